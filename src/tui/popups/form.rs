//! The device form: every inventory field of CATALOG.md, one per line, checked as you type
//! (lists, dates, IP and MAC addresses). Lists can be typed (case does not matter) or stepped
//! through; the focused field's line below says what it accepts. Saving writes the changed
//! fields only, as one step of the undo history; nothing is saved while a field is invalid.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::assessment::NOTE_LIMIT_UTF16;
use crate::device::Device;
use crate::device::fields::{self, FieldDef, FieldKind};
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay, SaveState};
use crate::tui::layout;
use crate::tui::popups::confirm::{Confirm, Pending};
use crate::tui::text;
use crate::tui::widgets::columns::{Cell, draw_row};
use crate::tui::widgets::text_field::TextField;
use crate::workbook::{DeviceChange, FieldSource};

/// One field of the form.
#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    /// Which inventory field.
    pub def: &'static FieldDef,
    /// What is typed.
    pub input: TextField,
    /// The stored value when the form opened.
    pub original: String,
    /// Why the typed value is not accepted, if it is not.
    pub error: Option<String>,
}

impl FormField {
    fn check(&mut self) {
        if !self.changed() {
            self.error = None;
            return;
        }
        self.error = self.def.normalize(&self.input.text).err().map(|e| match e {
            fields::FieldError::Invalid { expected, .. } => format!("expected {expected}"),
            other => other.to_string(),
        });
    }

    /// The canonical value, when valid.
    fn value(&self) -> Option<String> {
        self.def.normalize(&self.input.text).ok()
    }

    /// Whether the user changed the text. Only changed fields are checked and saved: a stored
    /// value the user did not touch (e.g. an imported one with odd characters) is left as it
    /// is.
    fn changed(&self) -> bool {
        self.input.text != self.original
    }
}

/// The open form: a new device or an existing one.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceForm {
    /// The device edited (`None`: a new device).
    pub device: Option<(i64, String)>,
    /// Every settable field, in CATALOG.md order.
    pub fields: Vec<FormField>,
    /// The focused field.
    pub focus: usize,
    /// First field row shown.
    pub offset: usize,
}

impl DeviceForm {
    fn with(device: Option<&Device>) -> DeviceForm {
        let fields = fields::settable_fields()
            .map(|def| {
                let original = device
                    .map(|d| d.get(def.key).to_string())
                    .unwrap_or_default();
                FormField {
                    def,
                    input: TextField::new(original.clone(), NOTE_LIMIT_UTF16),
                    original,
                    error: None,
                }
            })
            .collect();
        DeviceForm {
            device: device.map(|d| (d.id, d.short_id())),
            fields,
            // Start on the name.
            focus: 0,
            offset: 0,
        }
        .focused_on("name")
    }

    fn focused_on(mut self, key: &str) -> DeviceForm {
        if let Some(i) = self.fields.iter().position(|f| f.def.key == key) {
            self.focus = i;
        }
        self
    }

    /// An empty form for a new device.
    pub fn add() -> DeviceForm {
        DeviceForm::with(None)
    }

    /// A form holding a device's values.
    pub fn edit(device: &Device) -> DeviceForm {
        DeviceForm::with(Some(device))
    }

    fn changed(&self) -> bool {
        self.fields.iter().any(FormField::changed)
    }
}

/// What a field accepts, in a few words.
pub fn accepts(def: &FieldDef) -> String {
    match def.kind {
        FieldKind::Text if def.key == "notes" => "free text".into(),
        FieldKind::Text => "text".into(),
        FieldKind::Date => "a date: YYYY-MM-DD (or DD/MM/YYYY)".into(),
        FieldKind::DateTime => "a date and time: 2026-11-29T10:15:00Z".into(),
        FieldKind::List(v) => format!("one of: {}", v.join(", ")),
        FieldKind::OpenList(v) => format!("one of {} or your own", v.join(", ")),
        FieldKind::MultiList(v) => {
            format!("one or more of: {} (separated by ; or ,)", v.join(", "))
        }
        FieldKind::IpList => "IP addresses (IPv4 or IPv6), separated by ; or ,".into(),
        FieldKind::MacList => "MAC addresses (any common notation), separated by ; or ,".into(),
        FieldKind::HostList => "host names, separated by ; or ,".into(),
        FieldKind::DeviceRef => "another device's ID, e.g. DEV-0001".into(),
        FieldKind::Computed => "computed".into(),
    }
}

fn list_values(def: &FieldDef) -> Option<&'static [&'static str]> {
    match def.kind {
        FieldKind::List(v) | FieldKind::OpenList(v) | FieldKind::MultiList(v) => Some(v),
        _ => None,
    }
}

/// Rows of fields the popup shows at the app's size.
fn visible_rows(size: Rect) -> usize {
    let body = layout::chrome(size).body;
    // Borders (2) and the two help lines under the fields.
    usize::from(body.height.saturating_sub(5)).max(1)
}

fn keep_focus_in_view(form: &mut DeviceForm, rows: usize) {
    form.offset = layout::scroll(form.offset, form.focus, form.focus, rows);
}

/// Acts on the form.
pub fn update(app: &mut App, action: Action) {
    let rows = visible_rows(app.size);
    let Some(Overlay::Form(form)) = &mut app.overlay else {
        return;
    };
    let last = form.fields.len().saturating_sub(1);
    match action {
        Action::InsertText(t) => {
            if let Some(f) = form.fields.get_mut(form.focus) {
                let all = f.input.insert(&t);
                f.check();
                if !all {
                    app.error(
                        "Full: a field holds what fits in one spreadsheet cell (32,767 characters); the rest was left out",
                    );
                    return;
                }
            }
        }
        Action::NextField => form.focus = (form.focus + 1).min(last),
        Action::PreviousField => form.focus = form.focus.saturating_sub(1),
        Action::PageDown => form.focus = (form.focus + rows).min(last),
        Action::PageUp => form.focus = form.focus.saturating_sub(rows),
        Action::NextValue | Action::PreviousValue => {
            let Some(f) = form.fields.get_mut(form.focus) else {
                return;
            };
            let Some(values) = list_values(f.def) else {
                let header = f.def.header;
                app.info(format!("{header} is not a list: type its value"));
                return;
            };
            // Cycle through "" and the allowed values.
            let current = fields::match_list(values, f.input.text.trim());
            let at = current.and_then(|c| values.iter().position(|v| *v == c));
            let n = values.len() + 1;
            let pos = at.map(|p| p + 1).unwrap_or(0);
            let next = if action == Action::NextValue {
                (pos + 1) % n
            } else {
                (pos + n - 1) % n
            };
            let value = if next == 0 { "" } else { values[next - 1] };
            f.input.set(value);
            f.check();
        }
        Action::Submit => {
            submit(app);
            return;
        }
        Action::Back => {
            if form.changed() {
                let form = form.clone();
                let what = form
                    .device
                    .as_ref()
                    .map(|(_, s)| s.clone())
                    .unwrap_or_else(|| "the new device".into());
                app.overlay = Some(Overlay::Confirm(Confirm {
                    title: format!("Discard your changes to {what}?"),
                    lines: vec![
                        "Yes closes the form without saving.".into(),
                        "No goes back to the form; Ctrl-s there saves.".into(),
                    ],
                    pending: Pending::DiscardForm(form),
                    scroll: 0,
                }));
            } else {
                app.overlay = None;
            }
            return;
        }
        Action::Quit => {
            app.overlay = None;
            app.quit = true;
            return;
        }
        other => {
            if let Some(f) = form.fields.get_mut(form.focus)
                && f.input.edit(&other)
            {
                f.check();
            }
        }
    }
    keep_focus_in_view(form, rows);
}

fn submit(app: &mut App) {
    let rows = visible_rows(app.size);
    let Some(Overlay::Form(form)) = &mut app.overlay else {
        return;
    };
    for f in form.fields.iter_mut() {
        if f.changed() {
            f.check();
        } else {
            f.error = None;
        }
    }
    if let Some(bad) = form.fields.iter().position(|f| f.error.is_some()) {
        let n = form.fields.iter().filter(|f| f.error.is_some()).count();
        form.focus = bad;
        keep_focus_in_view(form, rows);
        let name = form.fields.get(bad).map(|f| f.def.header).unwrap_or("");
        app.error(format!(
            "Not saved: {n} field{} not valid (first: {name})",
            if n == 1 { " is" } else { "s are" }
        ));
        return;
    }
    let values: Vec<(&'static str, String)> = form
        .fields
        .iter()
        .filter(|f| f.changed())
        .filter_map(|f| f.value().map(|v| (f.def.key, v)))
        .collect();
    let device = form.device.clone();
    if values.is_empty() {
        app.overlay = None;
        app.info("Nothing changed");
        return;
    }
    if device.is_none() && values.iter().all(|(_, v)| v.is_empty()) {
        app.error("Type at least one field (a name, an asset tag, an IP…) before saving");
        return;
    }
    let change = DeviceChange {
        values,
        ..DeviceChange::default()
    };
    let result = match &device {
        Some((id, _)) => app
            .workbook
            .update_device(*id, &change, FieldSource::Typed, true),
        None => app.workbook.add_device(&change, FieldSource::Typed),
    };
    match result {
        Ok(saved) => {
            app.overlay = None;
            app.save = SaveState::Saved;
            let id = saved.id;
            // Findings follow the inventory: a changed model or version is matched again
            // against the feeds the workbook holds (none: nothing to do).
            let findings = match app.workbook.refresh_device_findings(&[id]) {
                Ok(out) if out.new > 0 || out.stale > 0 => format!(
                    " · vulnerability findings: {} new, {} no longer matched",
                    out.new, out.stale
                ),
                Ok(_) => String::new(),
                Err(e) => format!(" · matching it against the feeds failed: {e}"),
            };
            if let Err(e) = app.reload() {
                app.error(format!("Saved, but reading the workbook again failed: {e}"));
                return;
            }
            app.select_device_id(id);
            let verb = if device.is_some() { "Saved" } else { "Added" };
            let shown = app
                .list
                .view
                .iter()
                .any(|&i| app.devices.get(i).is_some_and(|d| d.id == id));
            let hidden = if shown {
                ""
            } else {
                " (hidden by the search or filters: Esc clears them)"
            };
            app.info(format!(
                "{verb} {} {}{hidden}{findings}",
                saved.short_id(),
                text::sanitize(saved.get("name"))
            ));
        }
        Err(e) => {
            // The form stays open so that nothing typed is lost.
            if !matches!(e, crate::workbook::WorkbookError::Invalid(_)) {
                app.save = SaveState::Failed(e.to_string());
            }
            app.error(format!("Not saved: {e}"));
        }
    }
}

/// Draws the form over the body.
pub fn render(app: &App, frame: &mut Frame, form: &DeviceForm) {
    let theme = app.theme;
    let body = layout::chrome(frame.area()).body;
    let popup = layout::popup(body, body.width.min(100), body.height);
    let title = match &form.device {
        Some((_, short)) => format!(" Edit {short} "),
        None => " Add a device ".to_string(),
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(title, theme.title()));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    if inner.height < 3 || inner.width < 10 {
        return;
    }
    let rows = usize::from(inner.height.saturating_sub(2)).max(1);
    // The focused field is always drawn, whatever size the offset was computed for.
    let offset = layout::scroll(form.offset, form.focus, form.focus, rows);
    let label_width = (usize::from(inner.width) / 3).clamp(10, 36);
    let value_width = usize::from(inner.width).saturating_sub(label_width + 6);
    let mut cursor = None;
    {
        let buf = frame.buffer_mut();
        for (n, (i, f)) in form
            .fields
            .iter()
            .enumerate()
            .skip(offset)
            .take(rows)
            .enumerate()
        {
            let y = inner.y + u16::try_from(n).unwrap_or(u16::MAX);
            let focused = i == form.focus;
            let (shown, col) = if focused {
                f.input.line(value_width.saturating_sub(1))
            } else {
                (text::sanitize(&f.input.text).into_owned(), 0)
            };
            let mark = match (&f.error, f.changed()) {
                (Some(_), _) => "✗",
                (None, true) => "•",
                _ => " ",
            };
            let label_style = if focused {
                theme.selected()
            } else {
                theme.dim()
            };
            let mark_style = if f.error.is_some() {
                theme.error()
            } else {
                theme.key()
            };
            draw_row(
                buf,
                Rect::new(inner.x, y, inner.width, 1),
                &[
                    Cell::new(if focused { "›" } else { " " }, 1, label_style),
                    Cell::new(f.def.header, label_width, label_style),
                    Cell::new(mark, 1, mark_style),
                    Cell::new(&shown, value_width, Default::default()),
                ],
                Default::default(),
            );
            if focused {
                // Cursor, separator, label, separator, mark, separator, then the value.
                let x = inner.x + u16::try_from(label_width + 5 + col).unwrap_or(u16::MAX);
                cursor = Some(Position::new(x, y));
            }
        }
    }
    // The focused field: what it accepts, or why the typed value is wrong.
    if let Some(f) = form.fields.get(form.focus) {
        let y = inner.y + inner.height - 2;
        let about = match &f.error {
            Some(e) => Line::styled(format!("✗ {}", text::sanitize(e)), theme.error()),
            None => Line::styled(format!("{}: {}", f.def.header, accepts(f.def)), theme.dim()),
        };
        frame.render_widget(
            Paragraph::new(about).wrap(Wrap { trim: true }),
            Rect::new(inner.x, y, inner.width, 2),
        );
    }
    if let Some(p) = cursor
        && inner.contains(p)
    {
        frame.set_cursor_position(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_is_checked_and_lists_cycle() {
        let mut form = DeviceForm::add();
        let Some(ip) = form.fields.iter_mut().find(|f| f.def.key == "ip_addresses") else {
            panic!("the form has IP addresses");
        };
        ip.input.insert("10.0.0.300");
        ip.check();
        assert!(ip.error.is_some());
        ip.input.edit(&Action::ClearText);
        ip.input.insert("10.0.0.30");
        ip.check();
        assert_eq!(ip.error, None);
        assert!(form.changed());
        let crit = form
            .fields
            .iter()
            .find(|f| f.def.key == "criticality")
            .map(|f| f.def);
        assert!(crit.and_then(list_values).is_some());
        assert_eq!(form.fields.get(form.focus).map(|f| f.def.key), Some("name"));
    }
}
