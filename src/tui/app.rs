//! The TUI's state ([`App`]) and the one place that changes it ([`update`]). Drawing reads this
//! state and never changes it (see `render`), so every screen can be tested by building an
//! `App`, feeding it actions or key events, and drawing it into a test backend.

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::TuiError;
use super::action::Action;
use super::keymap::{Context, Key, Keymap};
use super::popups::{help, note};
use super::screens::{checklist, devices};
use super::theme::Theme;
use crate::assessment::{AnswerSet, DeviceProgress, progress};
use crate::catalog::{Catalog, Control};
use crate::device::Device;
use crate::workbook::Workbook;

/// The full-screen views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The table of devices (home).
    Devices,
    /// One device's checklist.
    Checklist,
}

/// What is drawn over the screen and takes the keys while open.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// The keys of the screen underneath.
    Help(help::HelpState),
    /// The note editor.
    Note(note::NoteEditor),
}

/// Whether everything the user did is in the workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    /// Every change is committed.
    Saved,
    /// A change is being committed (shown for the length of one commit).
    Saving,
    /// The last change could not be committed; the message says why.
    Failed(String),
}

/// A message for the status line; it lasts until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The text (one line).
    pub text: String,
    /// An error (drawn in the error style) rather than information.
    pub error: bool,
}

/// A cursor in a list, with the first row shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Index of the selected item.
    pub selected: usize,
    /// First row drawn.
    pub offset: usize,
}

/// The catalog laid out for the checklist: controls in order, and the rows (step headings and
/// controls) the list shows.
#[derive(Debug, Clone)]
pub struct Outline {
    /// The catalog.
    pub catalog: &'static Catalog,
    /// Every control in catalog order.
    pub controls: Vec<&'static Control>,
    /// The step index (0–7) of each control.
    pub step_of: Vec<usize>,
    /// The list rows, in order.
    pub rows: Vec<Row>,
    /// The row of each control.
    pub row_of: Vec<usize>,
}

/// One row of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A step heading (index into `catalog.steps`).
    Step(usize),
    /// A control (index into `Outline::controls`).
    Control(usize),
}

impl Outline {
    fn new(catalog: &'static Catalog) -> Outline {
        let mut out = Outline {
            catalog,
            controls: Vec::new(),
            step_of: Vec::new(),
            rows: Vec::new(),
            row_of: Vec::new(),
        };
        for (s, step) in catalog.steps.iter().enumerate() {
            out.rows.push(Row::Step(s));
            for control in &step.controls {
                out.row_of.push(out.rows.len());
                out.rows.push(Row::Control(out.controls.len()));
                out.controls.push(control);
                out.step_of.push(s);
            }
        }
        out
    }
}

/// Everything the TUI shows, and the open workbook it writes to.
pub struct App {
    pub(crate) workbook: Workbook,
    pub(crate) keymap: Keymap,
    pub(crate) theme: Theme,
    /// The workbook's file name (never the full path, so screens do not leak directories).
    pub(crate) file_name: String,
    pub(crate) outline: Outline,
    /// Devices in short-ID order.
    pub(crate) devices: Vec<Device>,
    pub(crate) answers: AnswerSet,
    /// Progress of each device, parallel to `devices`.
    pub(crate) progress: Vec<DeviceProgress>,
    pub(crate) screen: Screen,
    pub(crate) device_cursor: Cursor,
    /// The device shown on the Checklist (index into `devices`).
    pub(crate) device: usize,
    /// The selected control (index into `outline.controls`) and the first list row shown.
    pub(crate) control_cursor: Cursor,
    pub(crate) overlay: Option<Overlay>,
    pub(crate) save: SaveState,
    pub(crate) message: Option<Message>,
    /// The terminal's size (for page sizes and scrolling).
    pub(crate) size: Rect,
    pub(crate) mouse_capture: bool,
    pub(crate) quit: bool,
}

impl App {
    /// Loads the devices and answers of an open workbook and computes every device's progress.
    ///
    /// Errors: `TuiError::Workbook` when the devices or answers cannot be read.
    pub fn new(workbook: Workbook, keymap: Keymap, theme: Theme) -> Result<App, TuiError> {
        let devices = workbook.devices()?;
        let answers = workbook.answer_set()?;
        let outline = Outline::new(workbook.catalog());
        let progress = devices
            .iter()
            .map(|d| progress(outline.catalog, &answers, d))
            .collect();
        let file_name = workbook
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "workbook".to_string());
        Ok(App {
            workbook,
            keymap,
            theme,
            file_name,
            outline,
            devices,
            answers,
            progress,
            screen: Screen::Devices,
            device_cursor: Cursor::default(),
            device: 0,
            control_cursor: Cursor::default(),
            overlay: None,
            save: SaveState::Saved,
            message: None,
            size: Rect::new(0, 0, 80, 24),
            mouse_capture: true,
            quit: false,
        })
    }

    /// Tells the state the terminal's size, so that pages and scrolling match what is drawn.
    pub fn set_size(&mut self, width: u16, height: u16) {
        let resized = self.size != Rect::new(0, 0, width, height);
        self.size = Rect::new(0, 0, width, height);
        if resized {
            // Scroll from the top again, so a larger window shows the rows above the selection
            // instead of keeping it pinned where a small window had put it.
            self.device_cursor.offset = 0;
            self.control_cursor.offset = 0;
        }
        devices::keep_in_view(self);
        checklist::keep_in_view(self);
        if let Some(Overlay::Help(h)) = &self.overlay {
            let max = help::max_scroll(self, h.context);
            if let Some(Overlay::Help(h)) = &mut self.overlay {
                h.scroll = h.scroll.min(max);
            }
        }
    }

    /// Whether the user asked to quit.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Whether mouse capture should be on (the run loop applies it to the terminal).
    pub fn mouse_capture(&self) -> bool {
        self.mouse_capture
    }

    /// The open workbook.
    pub fn workbook(&self) -> &Workbook {
        &self.workbook
    }

    /// The active screen.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// The keymap section that takes keys now: the open popup's, else the screen's.
    pub fn context(&self) -> Context {
        match &self.overlay {
            Some(Overlay::Help(_)) => Context::Help,
            Some(Overlay::Note(_)) => Context::Note,
            None => self.screen_context(),
        }
    }

    /// The keymap section of the screen under any popup.
    pub fn screen_context(&self) -> Context {
        match self.screen {
            Screen::Devices => Context::Devices,
            Screen::Checklist => Context::Checklist,
        }
    }

    /// The action a key event runs now, if any. Only key presses act (terminals may also report
    /// repeats and releases). In a text field, printable keys no binding claims become text.
    pub fn action_for_key(&self, event: &KeyEvent) -> Option<Action> {
        if event.kind != KeyEventKind::Press {
            return None;
        }
        let context = self.context();
        if let Some(action) = self.keymap.action(context, Key::from_event(event)) {
            return Some(action.clone());
        }
        match (context, event.code) {
            (Context::Note, KeyCode::Char(c))
                if !event
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(Action::InsertText(c.to_string()))
            }
            _ => None,
        }
    }

    /// The action a terminal event runs now, if any: keys through the keymap, pasted text into
    /// a text field (never to key bindings), the mouse wheel as up / down. Resizes are applied
    /// here directly and give no action.
    pub fn action_for_event(&mut self, event: &Event) -> Option<Action> {
        if super::layout::too_small(self.size) && !matches!(event, Event::Resize(..)) {
            // Nothing is shown but the notice: a key must not change what cannot be seen.
            // Only quitting still works.
            return match event {
                Event::Key(key) => self.action_for_key(key).filter(|a| *a == Action::Quit),
                _ => None,
            };
        }
        match event {
            Event::Key(key) => self.action_for_key(key),
            Event::Paste(text) if self.context() == Context::Note => {
                Some(Action::InsertText(text.clone()))
            }
            Event::Mouse(MouseEvent { kind, .. }) if self.context() != Context::Note => {
                match kind {
                    MouseEventKind::ScrollDown => Some(Action::MoveDown),
                    MouseEventKind::ScrollUp => Some(Action::MoveUp),
                    _ => None,
                }
            }
            Event::Resize(w, h) => {
                self.set_size(*w, *h);
                None
            }
            _ => None,
        }
    }

    /// Runs a key event through the keymap and [`update`] (what the run loop and tests do).
    pub fn handle_key(&mut self, event: KeyEvent) {
        if let Some(action) = self.action_for_key(&event) {
            update(self, action);
        }
    }

    /// Whether an action will commit to the workbook, so the run loop can show "saving…"
    /// while it does.
    pub fn will_commit(&self, action: &Action) -> bool {
        match self.context() {
            Context::Checklist => checklist::commits(self, action),
            Context::Note => *action == Action::Submit,
            _ => false,
        }
    }

    /// Sets the status-line message (information).
    pub(crate) fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: false,
        });
    }

    /// Sets the status-line message (an error).
    pub(crate) fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: true,
        });
    }

    /// The device shown on the Checklist, if any.
    pub(crate) fn current_device(&self) -> Option<&Device> {
        self.devices.get(self.device)
    }

    /// The control selected on the Checklist.
    pub(crate) fn current_control(&self) -> Option<&'static Control> {
        self.outline
            .controls
            .get(self.control_cursor.selected)
            .copied()
    }

    /// Recomputes the progress of the devices at these indexes.
    pub(crate) fn refresh_progress(&mut self, indexes: impl IntoIterator<Item = usize>) {
        for i in indexes {
            if let (Some(d), Some(slot)) = (self.devices.get(i), self.progress.get_mut(i)) {
                *slot = progress(self.outline.catalog, &self.answers, d);
            }
        }
    }

    /// Rows of a page on the active screen.
    pub(crate) fn page_rows(&self) -> usize {
        let body = super::layout::chrome(self.size).body;
        match self.screen {
            Screen::Devices => super::layout::device_rows(body),
            Screen::Checklist => usize::from(super::layout::checklist(body).list.height),
        }
        .max(1)
    }
}

/// Applies one action to the state. Transient messages last until the next action.
pub fn update(app: &mut App, action: Action) {
    app.message = None;
    if let SaveState::Saving = app.save {
        app.save = SaveState::Saved;
    }
    match app.overlay {
        Some(Overlay::Help(_)) => help::update(app, action),
        Some(Overlay::Note(_)) => note::update(app, action),
        None => {
            match action {
                Action::Help => {
                    let context = app.screen_context();
                    app.overlay = Some(Overlay::Help(help::HelpState { context, scroll: 0 }));
                    return;
                }
                Action::ToggleMouse => {
                    app.mouse_capture = !app.mouse_capture;
                    let key = app
                        .keymap
                        .key_for(app.screen_context(), &Action::ToggleMouse)
                        .map(|k| k.to_string())
                        .unwrap_or_else(|| Action::ToggleMouse.name());
                    app.info(if app.mouse_capture {
                        format!("Mouse on ({key} turns it off to select and copy text)")
                    } else {
                        format!("Mouse off: select text to copy it ({key} turns it back on)")
                    });
                    return;
                }
                Action::Quit => {
                    app.quit = true;
                    return;
                }
                _ => {}
            }
            match app.screen {
                Screen::Devices => devices::update(app, action),
                Screen::Checklist => checklist::update(app, action),
            }
        }
    }
}
