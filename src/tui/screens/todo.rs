//! The To-do list: every deferred control (device in use on a patient, room locked, waiting for
//! the vendor), device by device in list order, with its reason — what is left to come back to
//! (PRODUCT.md "Answers, suggestions and deferral"). Enter opens the control on the device's
//! checklist, where answering it lifts the deferral. Only the visible rows are built.

use std::cell::OnceCell;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::checklist;
use crate::tui::action::Action;
use crate::tui::app::{App, Cursor, Screen};
use crate::tui::layout;
use crate::tui::widgets::columns::{Cell, draw_row};
use crate::tui::widgets::message;

/// One deferred control on one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Index into `App::devices`.
    pub device: usize,
    /// Index into the checklist's controls.
    pub control: usize,
    /// Why it was deferred.
    pub reason: String,
}

/// The list (built when shown, again after a change) and its cursor.
#[derive(Debug, Clone, Default)]
pub struct TodoState {
    items: OnceCell<Vec<Item>>,
    cursor: Cursor,
}

impl TodoState {
    /// Marks the list out of date (after a change).
    pub fn invalidate(&mut self) {
        self.items = OnceCell::new();
    }
}

fn items(app: &App) -> &[Item] {
    app.todo.items.get_or_init(|| {
        let mut out = Vec::new();
        for &d in &app.list.view {
            let Some(device) = app.devices.get(d) else {
                continue;
            };
            let view = app.answers.for_device(device);
            for (c, control) in app.outline.controls.iter().enumerate() {
                if let Some(a) = view.effective(control).answer
                    && !a.deferral_reason.trim().is_empty()
                    && !a.is_assessed()
                {
                    out.push(Item {
                        device: d,
                        control: c,
                        reason: a.deferral_reason.to_string(),
                    });
                }
            }
        }
        out
    })
}

/// Rows of the list that fit under its heading.
fn rows(app: &App) -> usize {
    usize::from(layout::chrome(app.size).body.height.saturating_sub(1)).max(1)
}

/// Acts on the To-do list.
pub fn update(app: &mut App, action: Action) {
    let len = items(app).len();
    if len == 0 {
        return;
    }
    let page = rows(app);
    let sel = app.todo.cursor.selected.min(len - 1);
    if let Some(to) = layout::moved(&action, sel, len - 1, page) {
        app.todo.cursor.selected = to;
        app.todo.cursor.offset = layout::scroll(app.todo.cursor.offset, to, to, page);
        return;
    }
    if action == Action::Open
        && let Some(item) = items(app).get(sel).cloned()
    {
        checklist::open(app, item.device);
        app.checklist_from = Screen::Todo;
        app.control_cursor.selected = item.control;
        checklist::keep_in_view(app);
    }
}

/// The title line.
pub fn title(app: &App) -> (String, String) {
    let n = items(app).len();
    let right = match n {
        1 => "1 deferred ".to_string(),
        n => format!("{n} deferred "),
    };
    ("To do · deferred controls".into(), right)
}

/// Draws the list (or what it is for, when empty).
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme;
    let list = items(app);
    if list.is_empty() {
        let lines = vec![
            Line::styled("Nothing deferred.", theme.title()),
            Line::raw(""),
            Line::raw(
                "On a checklist or in a walkthrough, d defers a control you cannot answer now \
                 (device in use on a patient, room locked, waiting for the vendor), with the \
                 reason. It is listed here until it is answered.",
            ),
        ];
        message::render(frame, area, lines, 2, 2, 1);
        return;
    }
    let id_w = 9;
    let control_w = 9;
    let device_w = (usize::from(area.width) / 4).clamp(10, 40);
    let reason_w = usize::from(area.width).saturating_sub(1 + id_w + device_w + control_w + 4);
    let buf = frame.buffer_mut();
    draw_row(
        buf,
        Rect { height: 1, ..area },
        &[
            Cell::new("", 1, theme.heading()),
            Cell::new("ID", id_w, theme.heading()),
            Cell::new("Device", device_w, theme.heading()),
            Cell::new("Control", control_w, theme.heading()),
            Cell::new("Why deferred", reason_w, theme.heading()),
        ],
        Default::default(),
    );
    let height = usize::from(area.height.saturating_sub(1));
    let sel = app.todo.cursor.selected.min(list.len() - 1);
    let offset = layout::scroll(app.todo.cursor.offset, sel, sel, height);
    for (n, (i, item)) in list
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .enumerate()
    {
        let (Some(d), Some(c)) = (
            app.devices.get(item.device),
            app.outline.controls.get(item.control),
        ) else {
            continue;
        };
        let selected = i == sel;
        let style = if selected {
            theme.selected()
        } else {
            Default::default()
        };
        let y = area.y + 1 + u16::try_from(n).unwrap_or(u16::MAX);
        let id = d.short_id();
        draw_row(
            buf,
            Rect::new(area.x, y, area.width, 1),
            &[
                Cell::new(if selected { "›" } else { " " }, 1, style),
                Cell::new(&id, id_w, Default::default()),
                Cell::new(d.get("name"), device_w, Default::default()),
                Cell::new(&c.id, control_w, Default::default()),
                Cell::new(&item.reason, reason_w, theme.dim()),
            ],
            style,
        );
    }
}
