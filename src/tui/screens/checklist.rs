//! The Checklist screen: one device's eight steps with their controls, one key per answer.
//! Each answer is committed at once and the cursor moves on; the detail pane (`detail`) shows
//! the selected control.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::detail;
use crate::assessment::{Origin, Response};
use crate::catalog::Scope;
use crate::tui::action::Action;
use crate::tui::answer;
use crate::tui::app::{App, Overlay, Row, Screen};
use crate::tui::layout;
use crate::tui::popups::note::NoteEditor;
use crate::tui::widgets::columns::{Cell, draw_row};
use crate::workbook::AnswerInput;

/// Opens the checklist of the device at `index`, on its first control not yet assessed.
pub fn open(app: &mut App, index: usize) {
    if index >= app.devices.len() {
        return;
    }
    app.device = index;
    // Esc goes back to where the checklist was opened from (Devices or Findings).
    app.checklist_from = match app.screen {
        Screen::Findings => Screen::Findings,
        _ => Screen::Devices,
    };
    app.screen = Screen::Checklist;
    app.control_cursor.selected = 0;
    app.control_cursor.offset = 0;
    if !is_open(app, 0)
        && let Some(next) = next_open(app, 0)
    {
        app.control_cursor.selected = next;
    }
    keep_in_view(app);
}

/// Acts on the Checklist screen.
pub fn update(app: &mut App, action: Action) {
    let count = app.outline.controls.len();
    if count == 0 || app.devices.is_empty() {
        if action == Action::Back {
            app.screen = Screen::Devices;
        }
        return;
    }
    let page = app.page_rows();
    let sel = app.control_cursor.selected;
    let last = count - 1;
    if let Some(to) = layout::moved(&action, sel, last, page) {
        app.control_cursor.selected = to;
        keep_in_view(app);
        return;
    }
    match action {
        Action::AnswerYes => answer(app, Some(Response::Yes)),
        Action::AnswerPartial => answer(app, Some(Response::Partial)),
        Action::AnswerNo => answer(app, Some(Response::No)),
        Action::AnswerUnknown => answer(app, Some(Response::Unknown)),
        Action::AnswerClear => answer(app, None),
        Action::AnswerNa => {
            if needs_note_for_na(app) {
                open_note(app, Some(Response::NotApplicable));
            } else {
                answer(app, Some(Response::NotApplicable));
            }
        }
        Action::Confirm => confirm(app),
        Action::EditNote => open_note(app, None),
        Action::Defer => defer(app),
        Action::Rate => {
            crate::tui::popups::rate::open(app);
            return;
        }
        Action::RiskEntry => {
            if let Some(subject) = super::register::on_control(app) {
                super::register::entry_menu(app, subject);
            }
            return;
        }
        Action::BulkApply => {
            super::bulk::choose(app);
            return;
        }
        Action::History => {
            crate::tui::popups::history::open_answer(app);
            return;
        }
        Action::VulnFindings => {
            super::vulns::choose(app);
            return;
        }
        Action::AttachFile => {
            crate::tui::popups::picker::open(app);
            return;
        }
        Action::RemoveAttachment => {
            super::evidence::remove(app);
            return;
        }
        Action::Walk => {
            super::walk::start_here(app);
            return;
        }
        Action::NextUnanswered => match next_open(app, sel) {
            Some(next) => app.control_cursor.selected = next,
            None => {
                let id = app
                    .current_device()
                    .map(|d| d.short_id())
                    .unwrap_or_default();
                app.info(format!("Every control of {id} is answered (or deferred)"));
            }
        },
        Action::NextDevice | Action::PreviousDevice => {
            // Next and previous follow the device list as it is shown (search, filters, sort).
            let view = &app.list.view;
            let at = view.iter().position(|&i| i == app.device);
            let next = match (at, action == Action::NextDevice) {
                (Some(p), true) => view.get(p + 1).copied(),
                (Some(p), false) => p.checked_sub(1).and_then(|p| view.get(p).copied()),
                (None, true) => view.first().copied(),
                (None, false) => view.last().copied(),
            };
            match next {
                Some(i) => app.device = i,
                None if action == Action::NextDevice => app.info("This is the last device"),
                None => app.info("This is the first device"),
            }
        }
        Action::Back => {
            if matches!(app.checklist_from, Screen::Findings | Screen::Todo) {
                app.findings.refresh_view();
                app.todo.invalidate();
                app.screen = app.checklist_from;
                return;
            }
            app.screen = Screen::Devices;
            if let Some(id) = app.current_device().map(|d| d.id) {
                app.select_device_id(id);
            }
            return;
        }
        _ => return,
    }
    keep_in_view(app);
}

/// Keeps the selected control (and its step heading, when it is the step's first control)
/// inside the visible rows.
pub fn keep_in_view(app: &mut App) {
    let rows = usize::from(layout::checklist(layout::chrome(app.size).body).list.height);
    let c = &mut app.control_cursor;
    c.selected = c.selected.min(app.outline.controls.len().saturating_sub(1));
    let Some(&row) = app.outline.row_of.get(c.selected) else {
        return;
    };
    let first = if row > 0 && matches!(app.outline.rows.get(row - 1), Some(Row::Step(_))) {
        row - 1
    } else {
        row
    };
    c.offset = layout::scroll(c.offset, first, row, rows);
    c.offset = c
        .offset
        .min(app.outline.rows.len().saturating_sub(rows.max(1)));
}

/// Whether an action on the Checklist will commit to the workbook (so the run loop can show
/// "saving…" while it does).
pub fn commits(app: &App, action: &Action) -> bool {
    let Some(control) = app.current_control() else {
        return false;
    };
    if app.devices.is_empty() {
        return false;
    }
    let stored = answer::stored(app, control);
    match action {
        Action::AnswerYes | Action::AnswerPartial | Action::AnswerNo | Action::AnswerUnknown => {
            true
        }
        Action::AnswerNa => !needs_note_for_na(app),
        Action::AnswerClear => has_something_to_clear(stored),
        Action::Confirm => stored.is_some_and(|a| a.suggested.is_some()),
        _ => false,
    }
}

fn has_something_to_clear(stored: Option<&crate::assessment::Answer>) -> bool {
    stored.is_some_and(|a| a.response.is_some() || a.suggested.is_some())
}

/// Whether N/A on the selected control needs a note first (the stored answer has none).
pub fn needs_note_for_na(app: &App) -> bool {
    app.current_control()
        .map(|c| answer::stored(app, c).is_none_or(|a| a.note.trim().is_empty()))
        .unwrap_or(false)
}

/// Whether control `i` of the checklist's device still needs an answer: not assessed (no
/// response, or an unconfirmed suggestion) and not deferred.
fn is_open(app: &App, i: usize) -> bool {
    let (Some(device), Some(control)) = (app.current_device(), app.outline.controls.get(i)) else {
        return false;
    };
    match answer::effective(app, device, control).answer {
        None => true,
        Some(a) => !a.is_assessed() && a.deferral_reason.trim().is_empty(),
    }
}

/// The next open control after `from`, wrapping round; `None` when none is open.
fn next_open(app: &App, from: usize) -> Option<usize> {
    let n = app.outline.controls.len();
    (1..=n).map(|k| (from + k) % n).find(|&i| is_open(app, i))
}

fn answer(app: &mut App, response: Option<Response>) {
    let Some(control) = app.current_control() else {
        return;
    };
    if response.is_none() && !has_something_to_clear(answer::stored(app, control)) {
        app.info(format!("{}: nothing to clear", control.id));
        return;
    }
    let input = AnswerInput {
        response: Some(response),
        ..AnswerInput::default()
    };
    match answer::commit(app, control, &input) {
        Ok(()) => {
            if response.is_some() {
                super::after_answer(app);
            }
        }
        Err(e) => app.error(e.to_string()),
    }
}

fn confirm(app: &mut App) {
    let Some(control) = app.current_control() else {
        return;
    };
    if answer::stored(app, control).is_none_or(|a| a.suggested.is_none()) {
        app.info(format!(
            "{}: there is no suggested answer to confirm",
            control.id
        ));
        return;
    }
    let input = AnswerInput {
        confirm: true,
        ..AnswerInput::default()
    };
    match answer::commit(app, control, &input) {
        Ok(()) => super::after_answer(app),
        Err(e) => app.error(e.to_string()),
    }
}

/// Opens the deferral popup on the selected control (its reason when it is deferred already).
fn defer(app: &mut App) {
    let Some(control) = app.current_control() else {
        return;
    };
    let stored = answer::stored(app, control);
    if stored.is_some_and(|a| a.response.is_some() && a.suggested.is_none()) {
        let clear = key_name(app, &Action::AnswerClear);
        app.info(format!(
            "{}: only an unanswered control can be deferred ({clear} clears the answer)",
            control.id
        ));
        return;
    }
    let reason = stored
        .map(|a| a.deferral_reason.to_string())
        .unwrap_or_default();
    app.overlay = Some(Overlay::Note(NoteEditor::with(
        crate::tui::popups::note::Purpose::Defer { control },
        reason,
    )));
}

fn open_note(app: &mut App, then: Option<Response>) {
    let Some(control) = app.current_control() else {
        return;
    };
    let text = answer::stored(app, control)
        .map(|a| a.note.to_string())
        .unwrap_or_default();
    app.overlay = Some(Overlay::Note(NoteEditor::new(control, text, then)));
}

/// The title line: (the device, how far its checklist is and its position).
pub fn title(app: &App) -> (String, String) {
    let Some(d) = app.current_device() else {
        return ("Checklist".into(), String::new());
    };
    let p = app
        .progress
        .get(app.device)
        .map(|p| p.total)
        .unwrap_or_default();
    let mut left = format!("{} {}", d.short_id(), d.get("name"));
    let make = [d.get("manufacturer"), d.get("model")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !make.is_empty() {
        left = format!("{left} · {make}");
    }
    // The position follows the device list as shown (search, filters, sort), which is what
    // ] and [ step through.
    let (at, of) = match app.list.view.iter().position(|&i| i == app.device) {
        Some(p) => (p + 1, app.list.view.len()),
        None => (app.device + 1, app.devices.len()),
    };
    let right = format!(
        "{}/{} answered · device {at}/{of} ",
        p.assessed(),
        p.applicable
    );
    (left, right)
}

/// The scope marker shown in the list: `M` a model answer (shown on every unit), `M*` this
/// unit overrides its model, `m` a model control answered per device (the device has no
/// manufacturer + model), `S` a site answer; blank for device controls.
pub fn scope_marker(scope: Scope, origin: Origin) -> &'static str {
    match (scope, origin) {
        (Scope::Device, _) => "",
        (_, Origin::DeviceOverride) => "M*",
        (Scope::Model, Origin::Device) => "m",
        (Scope::Model, _) => "M",
        (Scope::Site, _) => "S",
    }
}

/// Draws the list and the detail pane into the body.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let areas = layout::checklist(area);
    render_list(app, frame, areas.list);
    detail::render(app, frame, areas.detail, areas.beside);
}

fn render_list(app: &App, frame: &mut Frame, area: Rect) {
    let Some(device) = app.current_device() else {
        return;
    };
    let theme = app.theme;
    let progress = app.progress.get(app.device);
    const ID: usize = 8;
    const SCOPE: usize = 2;
    const RESPONSE: usize = 8;
    const NOTE: usize = 1;
    let title_width = usize::from(area.width).saturating_sub(1 + ID + SCOPE + RESPONSE + NOTE + 5);
    let start = app.control_cursor.offset;
    let height = usize::from(area.height);
    let buf = frame.buffer_mut();
    for (n, row) in app.outline.rows.iter().skip(start).take(height).enumerate() {
        let y = area.y + u16::try_from(n).unwrap_or(u16::MAX);
        let line = Rect::new(area.x, y, area.width, 1);
        match *row {
            Row::Step(s) => {
                let Some(step) = app.outline.catalog.steps.get(s) else {
                    continue;
                };
                let sp = progress
                    .and_then(|p| p.steps.get(s))
                    .copied()
                    .unwrap_or_default();
                let name = format!("{} {}", step.number, step.name);
                let count = format!("{}/{}", sp.assessed(), sp.applicable);
                let name_width = usize::from(area.width).saturating_sub(count.len() + 1);
                draw_row(
                    buf,
                    line,
                    &[
                        Cell::new(&name, name_width, theme.group()),
                        Cell::right(&count, count.len(), theme.group()),
                    ],
                    Default::default(),
                );
            }
            Row::Control(i) => {
                let Some(control) = app.outline.controls.get(i) else {
                    continue;
                };
                let eff = answer::effective(app, device, control);
                let selected = i == app.control_cursor.selected;
                let row_style = if selected {
                    theme.selected()
                } else {
                    Default::default()
                };
                let (response, response_style) = match eff.answer {
                    Some(a) if a.suggested.is_some() => (
                        format!("{}?", a.response.map(Response::label).unwrap_or("")),
                        theme.suggestion(),
                    ),
                    Some(a) if a.response.is_some() => (
                        a.response.map(Response::label).unwrap_or("").to_string(),
                        theme.response(a.response),
                    ),
                    Some(a) if !a.deferral_reason.trim().is_empty() => {
                        ("deferred".to_string(), theme.dim())
                    }
                    _ => ("·".to_string(), theme.dim()),
                };
                let note = if eff.answer.is_some_and(|a| !a.note.trim().is_empty()) {
                    "✎"
                } else {
                    ""
                };
                let cells = [
                    Cell::new(if selected { "›" } else { " " }, 1, row_style),
                    Cell::new(&control.id, ID, Default::default()),
                    Cell::new(&control.title, title_width, Default::default()),
                    Cell::new(scope_marker(control.scope, eff.origin), SCOPE, theme.dim()),
                    Cell::new(&response, RESPONSE, response_style),
                    Cell::new(note, NOTE, theme.dim()),
                ];
                draw_row(buf, line, &cells, row_style);
            }
        }
    }
}

/// The key that runs `action` on the Checklist, for messages ("press e to add a note").
pub fn key_name(app: &App, action: &Action) -> String {
    app.keymap.key_label(app.screen_context(), action)
}
