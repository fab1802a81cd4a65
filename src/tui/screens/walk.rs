//! The walkthrough (the on-site mode): one control at a time, full screen, for one device, a
//! selection or every device of a filtered list. One key answers and moves on to the next
//! control still unanswered; a device with nothing left hands over to the next device of the
//! route. Where the walk stands is kept in the workbook after every step, so after a restart
//! (or a power cut) it resumes on the same control.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Text};
use ratatui::widgets::{Paragraph, Wrap};
use serde::{Deserialize, Serialize};

use super::{bulk, checklist, detail};
use crate::tui::action::Action;
use crate::tui::app::{App, Screen};
use crate::tui::popups::menu::{Choice, Item, Menu};
use crate::tui::text;
use crate::workbook::Workbook;

/// The UI-state key of the walk.
const STATE_KEY: &str = "walk";

/// A walkthrough: the devices it covers and where it stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Walk {
    /// Workbook IDs of the devices, in the order they are walked.
    pub route: Vec<i64>,
    /// Position in `route`.
    pub pos: usize,
    /// The control shown (its ID).
    pub control: String,
    /// What the route is, e.g. "14 devices in view".
    pub label: String,
    /// Controls left unanswered on purpose: (device ID, control ID).
    pub skipped: BTreeSet<(i64, String)>,
    /// Whether the walk screen was showing (it is shown again at the next start).
    pub active: bool,
    /// Every device of the route has been walked.
    pub done: bool,
}

impl Walk {
    /// The walk stored in the workbook, if any.
    pub fn load(workbook: &Workbook) -> Option<Walk> {
        workbook
            .ui_state(STATE_KEY)
            .ok()
            .flatten()
            .and_then(|s| serde_json::from_str::<Walk>(&s).ok())
            .filter(|w| !w.route.is_empty())
    }
}

/// Stores where the walk stands (best effort: a failure loses only the position).
pub fn save(app: &mut App) {
    let active = app.screen == Screen::Walk;
    if let Some(w) = app.walk.as_mut() {
        w.active = active;
        if let Ok(json) = serde_json::to_string(w) {
            let _ = app.workbook.set_ui_state(STATE_KEY, &json);
        }
    }
}

/// At start-up: back into the walk when it was showing when medsec last closed.
pub fn resume(app: &mut App) {
    if app.walk.as_ref().is_some_and(|w| w.active && !w.done) {
        enter(app);
        if app.screen == Screen::Walk && !is_open(app, app.device, app.control_cursor.selected) {
            advance(app, false);
        }
        if app.screen == Screen::Walk {
            app.info("Walkthrough resumed where you left off");
        }
    }
}

/// From the device list: asks which devices to walk (the marked ones, those in view, all,
/// the selected one) or offers to resume the walk in progress.
pub fn choose(app: &mut App) {
    if app.devices.is_empty() {
        app.info("No devices yet: a adds one");
        return;
    }
    let mut items = Vec::new();
    if let Some(w) = app.walk.as_ref().filter(|w| !w.done) {
        let at = w
            .route
            .get(w.pos)
            .and_then(|id| app.devices.iter().find(|d| d.id == *id))
            .map(|d| d.short_id())
            .unwrap_or_default();
        items.push(Item {
            label: format!(
                "Resume: {at} · {} (device {} of {}, {})",
                w.control,
                w.pos + 1,
                w.route.len(),
                w.label
            ),
            choice: Choice::ResumeWalk,
        });
    }
    let ids = |rows: &[usize]| -> Vec<i64> {
        rows.iter()
            .filter_map(|&i| app.devices.get(i).map(|d| d.id))
            .collect()
    };
    if !app.list.marked.is_empty() {
        // Marked devices, in the order of the list.
        let mut route: Vec<i64> = ids(&app.list.view)
            .into_iter()
            .filter(|id| app.list.marked.contains(id))
            .collect();
        for id in &app.list.marked {
            if !route.contains(id) {
                route.push(*id);
            }
        }
        let label = plural(route.len(), "marked device");
        items.push(Item {
            label: format!("The {label}"),
            choice: Choice::Walk { route, label },
        });
    }
    if app.list.is_narrowed() && !app.list.view.is_empty() {
        let route = ids(&app.list.view);
        let label = format!(
            "{} in view ({})",
            plural(route.len(), "device"),
            app.list.describe()
        );
        items.push(Item {
            label: format!("The {label}"),
            choice: Choice::Walk { route, label },
        });
    }
    let all: Vec<usize> = (0..app.devices.len()).collect();
    let order = if app.list.is_narrowed() {
        all
    } else {
        app.list.view.clone()
    };
    let route = ids(&order);
    let label = format!("all {}", plural(route.len(), "device"));
    items.push(Item {
        label: format!("All {} (list order)", plural(route.len(), "device")),
        choice: Choice::Walk { route, label },
    });
    if let Some(d) = app.selected_device() {
        let label = format!("{} {}", d.short_id(), d.get("name"));
        items.push(Item {
            label: format!("Only {}", label.trim()),
            choice: Choice::Walk {
                route: vec![d.id],
                label: label.trim().to_string(),
            },
        });
    }
    app.overlay = Some(crate::tui::app::Overlay::Menu(Menu {
        title: "Walk through which devices?".into(),
        items,
        selected: 0,
    }));
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// From the checklist: walks this device from the selected control on.
pub fn start_here(app: &mut App) {
    let (Some(d), Some(c)) = (app.current_device(), app.current_control()) else {
        return;
    };
    let label = format!("{} {}", d.short_id(), d.get("name"))
        .trim()
        .to_string();
    app.walk = Some(Walk {
        route: vec![d.id],
        control: c.id.clone(),
        label,
        ..Walk::default()
    });
    enter(app);
    if !is_open(app, app.device, app.control_cursor.selected) {
        advance(app, false);
    }
}

/// Starts a walk over `route` on the first device's first unanswered control.
pub fn start(app: &mut App, route: Vec<i64>, label: String) {
    let first = app.outline.controls.first().map(|c| c.id.clone());
    app.walk = Some(Walk {
        route,
        control: first.unwrap_or_default(),
        label,
        ..Walk::default()
    });
    if place(app) {
        app.screen = Screen::Walk;
        if !is_open(app, app.device, app.control_cursor.selected) {
            advance(app, false);
        }
        save(app);
    }
}

/// Shows the walk where it stands (the saved control, or the next one still open).
pub fn enter(app: &mut App) {
    if place(app) {
        app.screen = Screen::Walk;
        save(app);
    }
}

/// Points the app's device and control at the walk's position, skipping devices that no
/// longer exist. `false` (and the walk dropped) when none of its devices is left.
fn place(app: &mut App) -> bool {
    let Some(w) = app.walk.as_mut() else {
        return false;
    };
    while w.pos < w.route.len() {
        let id = w.route[w.pos];
        if let Some(i) = app.devices.iter().position(|d| d.id == id) {
            app.device = i;
            app.control_cursor.selected = app
                .outline
                .controls
                .iter()
                .position(|c| c.id == w.control)
                .unwrap_or(0);
            return true;
        }
        w.route.remove(w.pos);
    }
    if w.route.is_empty() {
        app.walk = None;
        let _ = app.workbook.set_ui_state(STATE_KEY, "");
        app.info("The devices of that walk are gone");
        return false;
    }
    w.pos = w.route.len() - 1;
    w.done = true;
    place(app)
}

/// Whether control `c` of device `d` (indexes) still needs an answer: not assessed and not
/// deferred.
fn is_open(app: &App, d: usize, c: usize) -> bool {
    let (Some(device), Some(control)) = (app.devices.get(d), app.outline.controls.get(c)) else {
        return false;
    };
    match app.answers.effective(device, control).answer {
        None => true,
        Some(a) => !a.is_assessed() && a.deferral_reason.trim().is_empty(),
    }
}

fn is_skipped(app: &App, d: usize, c: usize) -> bool {
    let (Some(w), Some(device), Some(control)) = (
        app.walk.as_ref(),
        app.devices.get(d),
        app.outline.controls.get(c),
    ) else {
        return false;
    };
    w.skipped.contains(&(device.id, control.id.clone()))
}

/// The next control of device `d` still to walk after `from` (then from the start, so that
/// controls passed over earlier are not forgotten); `None` when the device is finished.
fn next_on_device(app: &App, d: usize, from: Option<usize>) -> Option<usize> {
    let n = app.outline.controls.len();
    let start = from.map(|f| f + 1).unwrap_or(0);
    (0..n)
        .map(|k| (start + k) % n)
        .find(|&c| Some(c) != from && is_open(app, d, c) && !is_skipped(app, d, c))
}

/// Moves to the next control to walk: on this device, then on the next devices of the route.
/// `answered` says whether the move follows an answer (for the message).
pub fn advance(app: &mut App, answered: bool) {
    let here = app.control_cursor.selected;
    if answered && let (Some(device), Some(control)) = (app.current_device(), app.current_control())
    {
        // Say what was just saved: the screen moves on at once.
        let answer = app.answers.effective(device, control).answer;
        let shown = match answer {
            Some(a) if !a.deferral_reason.trim().is_empty() => "deferred",
            Some(a) => a
                .response
                .map(crate::assessment::Response::label)
                .unwrap_or("cleared"),
            None => "cleared",
        };
        let msg = format!("{} {shown} · saved", control.id);
        app.info(msg);
    }
    if let Some(next) = next_on_device(app, app.device, Some(here)) {
        // Not stored at every step (each store is a synced write, and the answer just given
        // already was one): after a restart the walk picks up at the device's first control
        // still open, which is this one.
        set_control(app, next);
        return;
    }
    // This device is finished: find the next device of the route with something to walk.
    let finished = app
        .current_device()
        .map(|d| d.short_id())
        .unwrap_or_default();
    let Some(w) = app.walk.as_ref() else {
        return;
    };
    let route = w.route.clone();
    let pos = w.pos;
    for p in pos + 1..route.len() {
        let Some(i) = app.devices.iter().position(|d| d.id == route[p]) else {
            continue;
        };
        if let Some(c) = next_on_device(app, i, None) {
            if let Some(w) = app.walk.as_mut() {
                w.pos = p;
            }
            app.device = i;
            set_control(app, c);
            let next = app
                .current_device()
                .map(|d| format!("{} {}", d.short_id(), d.get("name")))
                .unwrap_or_default();
            app.info(format!(
                "{finished} done → {} (device {} of {})",
                text::sanitize(next.trim()),
                p + 1,
                route.len()
            ));
            save(app);
            return;
        }
    }
    if let Some(w) = app.walk.as_mut() {
        w.done = true;
    }
    save(app);
    app.info("Walk complete: nothing left to answer");
}

fn set_control(app: &mut App, c: usize) {
    app.control_cursor.selected = c;
    if let (Some(w), Some(control)) = (app.walk.as_mut(), app.outline.controls.get(c)) {
        w.control = control.id.clone();
        w.done = false;
    }
    checklist::keep_in_view(app);
}

fn goto_device(app: &mut App, forward: bool) {
    let Some(w) = app.walk.as_ref() else {
        return;
    };
    let route = w.route.clone();
    let mut p = w.pos;
    loop {
        p = if forward {
            p + 1
        } else {
            match p.checked_sub(1) {
                Some(p) => p,
                None => {
                    app.info("This is the first device of the walk");
                    return;
                }
            }
        };
        let Some(id) = route.get(p) else {
            app.info("This is the last device of the walk");
            return;
        };
        if let Some(i) = app.devices.iter().position(|d| d.id == *id) {
            if let Some(w) = app.walk.as_mut() {
                w.pos = p;
            }
            app.device = i;
            let c = next_on_device(app, i, None).unwrap_or(0);
            set_control(app, c);
            save(app);
            return;
        }
    }
}

/// Acts on the walk screen.
pub fn update(app: &mut App, action: Action) {
    if app.walk.is_none() || app.devices.is_empty() {
        app.screen = Screen::Devices;
        return;
    }
    match action {
        Action::AnswerYes
        | Action::AnswerPartial
        | Action::AnswerNo
        | Action::AnswerUnknown
        | Action::AnswerNa
        | Action::AnswerClear
        | Action::Confirm
        | Action::EditNote
        | Action::Defer
        | Action::Rate
        | Action::RiskEntry
        | Action::VulnFindings
        | Action::History
        | Action::AttachFile
        | Action::RemoveAttachment => checklist::update(app, action),
        Action::Skip => {
            if let (Some(d), Some(c)) = (app.current_device(), app.current_control()) {
                let key = (d.id, c.id.clone());
                if let Some(w) = app.walk.as_mut() {
                    w.skipped.insert(key);
                }
            }
            advance(app, false);
            save(app);
        }
        Action::PreviousControl => {
            let c = app.control_cursor.selected;
            if c == 0 {
                app.info("This is the device's first control ([ goes to the previous device)");
            } else {
                set_control(app, c - 1);
            }
        }
        Action::NextDevice => goto_device(app, true),
        Action::PreviousDevice => goto_device(app, false),
        Action::BulkApply => bulk::choose(app),
        Action::Back => {
            app.screen = Screen::Devices;
            if let Some(id) = app.current_device().map(|d| d.id) {
                app.select_device_id(id);
            }
            if let Some(w) = app.walk.as_mut() {
                w.active = false;
            }
            save(app);
            app.info("Walk left; w resumes it");
        }
        _ => {}
    }
}

/// The title line: (the device, where the walk stands).
pub fn title(app: &App) -> (String, String) {
    let Some(w) = app.walk.as_ref() else {
        return ("Walkthrough".into(), String::new());
    };
    let (left, _) = checklist::title(app);
    let answered = app
        .progress
        .get(app.device)
        .map(|p| format!("{}/{} answered", p.total.assessed(), p.total.applicable))
        .unwrap_or_default();
    (
        format!("Walk · {left}"),
        format!("{answered} · device {}/{} ", w.pos + 1, w.route.len()),
    )
}

/// Draws the control full screen (or, at the end, what the walk did).
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme;
    let Some(w) = app.walk.as_ref() else {
        return;
    };
    let inner = Rect {
        x: area.x + 1.min(area.width),
        width: area.width.saturating_sub(2),
        ..area
    };
    if w.done {
        // Skipped controls answered since do not count.
        let skipped = w
            .skipped
            .iter()
            .filter(|(id, control)| {
                let d = app.devices.iter().position(|d| d.id == *id);
                let c = app.outline.controls.iter().position(|c| c.id == *control);
                matches!((d, c), (Some(d), Some(c)) if is_open(app, d, c))
            })
            .count();
        let lines = vec![
            Line::styled("Walk complete", theme.title()),
            Line::raw(""),
            Line::raw(format!(
                "{}: nothing is left to answer — every control is answered, deferred or skipped.",
                text::sanitize(&w.label),
            )),
            Line::raw(if skipped > 0 {
                format!(
                    "{skipped} skipped on this walk and still open: the checklist (Esc, then Enter) shows them."
                )
            } else {
                "Deferred controls stay on the checklists, marked deferred.".to_string()
            }),
            Line::raw(""),
            Line::raw("Esc goes back to the device list; g there shows the dashboard."),
        ];
        frame.render_widget(
            Paragraph::new(Text::from(lines)).wrap(Wrap { trim: false }),
            inner,
        );
        return;
    }
    let Some(control) = app.current_control() else {
        return;
    };
    let step = app
        .outline
        .step_of
        .get(app.control_cursor.selected)
        .and_then(|&s| app.outline.catalog.steps.get(s));
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(step) = step {
        lines.push(Line::styled(
            format!(
                "Step {} of {} · {} · control {} of {}",
                step.number,
                app.outline.catalog.steps.len(),
                text::sanitize(&step.name),
                app.control_cursor.selected + 1,
                app.outline.controls.len()
            ),
            theme.dim(),
        ));
    }
    let width = usize::from(inner.width);
    for row in text::wrap_words(
        &format!("{} · {}", control.id, text::sanitize(&control.title)),
        width,
    ) {
        lines.push(Line::styled(row, theme.title()));
    }
    lines.push(Line::raw(""));
    lines.extend(detail::lines(app, width, true, false));
    frame.render_widget(Paragraph::new(Text::from(lines)), inner);
}
