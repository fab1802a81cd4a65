//! The TUI's state ([`App`]) and the one place that changes it ([`update`]). Drawing reads this
//! state and never changes it (see `render`), so every screen can be tested by building an
//! `App`, feeding it actions or key events, and drawing it into a test backend.

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::TuiError;
use super::action::Action;
use super::keymap::{Context, Key, Keymap};
use super::popups::{
    acceptance, confirm, filter, form, help, history, menu, note, palette, picker, rate,
};
use super::screens::{checklist, dashboard, device_list, devices, findings, todo, walk};
use super::theme::Theme;
use std::cell::OnceCell;

use crate::assessment::{AnswerSet, DeviceProgress, StepProgress, Target, progress};
use crate::catalog::{Catalog, Control};
use crate::device::Device;
use crate::workbook::{Attachment, AttachmentFilter, StoredMds2, Workbook};

/// The full-screen views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The table of devices (home).
    Devices,
    /// One device's checklist.
    Checklist,
    /// One control at a time, full screen (the on-site mode).
    Walk,
    /// Progress, responses, heat map, top risks.
    Dashboard,
    /// The risk register: every No / Partial / Unknown answer by risk, with its entry.
    Findings,
    /// Every deferred control, to come back to.
    Todo,
}

/// What is drawn over the screen and takes the keys while open.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// The keys of the screen underneath.
    Help(help::HelpState),
    /// A text popup (note, owner, due date).
    Note(note::NoteEditor),
    /// The device form (add or edit).
    Form(Box<form::DeviceForm>),
    /// A yes / no question before something is changed.
    Confirm(confirm::Confirm),
    /// A choice among a few options.
    Menu(menu::Menu),
    /// The command palette.
    Palette(palette::Palette),
    /// The filters of the device list.
    Filter(filter::FilterPopup),
    /// Likelihood and impact of a finding, or its residual risk.
    Rate(rate::RatePopup),
    /// Who accepted a risk, why, when, and when to review it.
    Acceptance(Box<acceptance::AcceptanceForm>),
    /// The file picker of an attachment.
    Picker(Box<picker::FilePicker>),
    /// The audit history of a device or an answer.
    History(Box<history::HistoryView>),
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
    /// Every attachment (names, sizes, hashes; never the bytes), in list order.
    pub(crate) attachments: Vec<Attachment>,
    /// The current imported MDS2 documents (devices' and models'), for the claims the Control
    /// detail shows.
    pub(crate) mds2: Vec<StoredMds2>,
    /// Progress of each device, parallel to `devices`.
    pub(crate) progress: Vec<DeviceProgress>,
    /// Per-step counts of the control sheets' rows, as the exported `Summary` counts them (one
    /// row per device control, one per model or site answer): computed when the dashboard is
    /// first shown, then kept up to date by each answer ([`crate::tui::answer::commit_on`]).
    pub(crate) step_counts: OnceCell<Vec<StepProgress>>,
    pub(crate) screen: Screen,
    pub(crate) device_cursor: Cursor,
    /// The device shown on the Checklist (index into `devices`).
    pub(crate) device: usize,
    /// The selected control (index into `outline.controls`) and the first list row shown.
    pub(crate) control_cursor: Cursor,
    pub(crate) overlay: Option<Overlay>,
    /// Search, filters, sort and marks of the device list, and the rows it shows.
    pub(crate) list: device_list::DeviceList,
    /// The screen the checklist goes back to.
    pub(crate) checklist_from: Screen,
    /// The walkthrough in progress (kept in the workbook, so it resumes after a restart).
    pub(crate) walk: Option<walk::Walk>,
    /// The dashboard's figures and scroll.
    pub(crate) dashboard: dashboard::DashboardState,
    /// The findings list and its cursor.
    pub(crate) findings: findings::FindingsState,
    /// The deferred controls and their cursor.
    pub(crate) todo: todo::TodoState,
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
        App::with_devices(workbook, devices, keymap, theme)
    }

    /// [`App::new`] with the devices already read (`Workbook::devices`, short-ID order), as
    /// [`crate::tui::opening::Opening`] reads them first for the interim frame.
    ///
    /// Errors: `TuiError::Workbook` when the answers, attachments or MDS2 documents cannot be
    /// read.
    pub fn with_devices(
        workbook: Workbook,
        devices: Vec<Device>,
        keymap: Keymap,
        theme: Theme,
    ) -> Result<App, TuiError> {
        let answers = workbook.answer_set()?;
        let attachments = workbook.attachments(AttachmentFilter::All)?;
        let mds2 = workbook.mds2_documents()?;
        let outline = Outline::new(workbook.catalog());
        let progress = devices
            .iter()
            .map(|d| progress(outline.catalog, &answers, d))
            .collect();
        let list = device_list::DeviceList::load(&workbook);
        let walk = walk::Walk::load(&workbook);
        let file_name = shown_file_name(&workbook);
        let mut app = App {
            workbook,
            keymap,
            theme,
            file_name,
            outline,
            devices,
            answers,
            attachments,
            mds2,
            progress,
            step_counts: OnceCell::new(),
            screen: Screen::Devices,
            device_cursor: Cursor::default(),
            device: 0,
            control_cursor: Cursor::default(),
            overlay: None,
            list,
            checklist_from: Screen::Devices,
            walk,
            dashboard: dashboard::DashboardState::default(),
            findings: findings::FindingsState::default(),
            todo: todo::TodoState::default(),
            save: SaveState::Saved,
            message: None,
            size: Rect::new(0, 0, 80, 24),
            mouse_capture: true,
            quit: false,
        };
        app.refresh_risks();
        app.list.rebuild(&app.devices, &app.progress);
        walk::resume(&mut app);
        app.announce_catalog_upgrade();
        Ok(app)
    }

    /// Reads the devices and answers again (after an undo or redo) and keeps the cursors on
    /// the same devices where they still exist.
    pub(crate) fn reload(&mut self) -> Result<(), TuiError> {
        let selected = self.selected_device().map(|d| d.id);
        let current = self.current_device().map(|d| d.id);
        self.devices = self.workbook.devices()?;
        self.answers = self.workbook.answer_set()?;
        self.attachments = self.workbook.attachments(AttachmentFilter::All)?;
        self.mds2 = self.workbook.mds2_documents()?;
        self.progress = self
            .devices
            .iter()
            .map(|d| progress(self.outline.catalog, &self.answers, d))
            .collect();
        self.step_counts = OnceCell::new();
        self.refresh_risks();
        self.list.devices_changed();
        self.list.rebuild(&self.devices, &self.progress);
        if let Some(id) = selected {
            self.select_device_id(id);
        }
        match current.and_then(|id| self.devices.iter().position(|d| d.id == id)) {
            Some(i) => self.device = i,
            None => {
                self.device = self.device.min(self.devices.len().saturating_sub(1));
                if self.devices.is_empty() && self.screen != Screen::Devices {
                    self.screen = Screen::Devices;
                }
            }
        }
        // (`refresh_risks` above computed the register and marked the dashboard out of date.)
        self.todo.invalidate();
        devices::keep_in_view(self);
        checklist::keep_in_view(self);
        Ok(())
    }

    /// Reads the attachments again (after one was added or removed); a failure is said on the
    /// status line and keeps the old list.
    pub(crate) fn reload_attachments(&mut self) {
        match self.workbook.attachments(AttachmentFilter::All) {
            Ok(list) => self.attachments = list,
            Err(e) => self.error(format!(
                "Saved, but reading the attachments again failed: {e}"
            )),
        }
    }

    /// The attachments shown on `device` for `control`: those stored where its answer is
    /// stored (the device, its model or its site), then any on the device itself when the answer
    /// lives elsewhere (a model control answered for the model), each with whether it is on the
    /// device alone in that case.
    pub(crate) fn attachments_on(
        &self,
        device: &Device,
        control: &Control,
    ) -> Vec<(&Attachment, bool)> {
        let target = super::answer::write_target(self, device, control);
        let own = crate::assessment::Target::Device(device.id);
        let here = |a: &&Attachment| a.control_id == control.id;
        let mut out: Vec<(&Attachment, bool)> = self
            .attachments
            .iter()
            .filter(here)
            .filter(|a| a.target.matches(&target))
            .map(|a| (a, false))
            .collect();
        if target != own {
            out.extend(
                self.attachments
                    .iter()
                    .filter(here)
                    .filter(|a| a.target == own)
                    .map(|a| (a, true)),
            );
        }
        out
    }

    /// The device under the cursor of the device list, if any.
    pub(crate) fn selected_device(&self) -> Option<&Device> {
        self.list
            .view
            .get(self.device_cursor.selected)
            .and_then(|&i| self.devices.get(i))
    }

    /// Puts the device list's cursor on the device with this ID when it is shown.
    pub(crate) fn select_device_id(&mut self, id: i64) {
        if let Some(row) = self
            .list
            .view
            .iter()
            .position(|&i| self.devices.get(i).is_some_and(|d| d.id == id))
        {
            self.device_cursor.selected = row;
        }
        devices::keep_in_view(self);
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
            Some(Overlay::Form(_)) => Context::Form,
            Some(Overlay::Confirm(_)) => Context::Confirm,
            Some(Overlay::Menu(_)) => Context::Menu,
            Some(Overlay::Palette(_)) => Context::Palette,
            Some(Overlay::Filter(_)) => Context::Filter,
            Some(Overlay::Rate(_)) => Context::Rate,
            Some(Overlay::Acceptance(_)) => Context::Acceptance,
            Some(Overlay::Picker(_)) => Context::Picker,
            Some(Overlay::History(_)) => Context::History,
            None if self.screen == Screen::Devices && self.list.search.is_some() => Context::Search,
            None => self.screen_context(),
        }
    }

    /// The keymap section of the screen under any popup.
    pub fn screen_context(&self) -> Context {
        match self.screen {
            Screen::Devices => Context::Devices,
            Screen::Checklist => Context::Checklist,
            Screen::Walk => Context::Walk,
            Screen::Dashboard => Context::Dashboard,
            Screen::Findings => Context::Findings,
            Screen::Todo => Context::Todo,
        }
    }

    /// The action a key event runs now, if any. Only key presses act (terminals may also report
    /// repeats and releases). In a text field, printable keys no binding claims become text.
    pub fn action_for_key(&self, event: &KeyEvent) -> Option<Action> {
        if event.kind != KeyEventKind::Press {
            return None;
        }
        let context = self.context();
        let plain_char = match event.code {
            KeyCode::Char(c)
                if !event
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(c)
            }
            _ => None,
        };
        // In the file picker, once text is typed, printable keys are text (`h` goes up a
        // folder only while nothing is typed).
        if let (Some(Overlay::Picker(p)), Some(c)) = (&self.overlay, plain_char)
            && !p.query.text.is_empty()
        {
            return Some(Action::InsertText(c.to_string()));
        }
        if let Some(action) = self.keymap.action(context, Key::from_event(event)) {
            return Some(action.clone());
        }
        match event.code {
            KeyCode::Char(c)
                if context.takes_text()
                    && !event
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
            Event::Paste(text) => self.action_for_paste(text),
            Event::Mouse(mouse) if !self.context().takes_text() => match mouse.kind {
                MouseEventKind::ScrollDown => Some(Action::MoveDown),
                MouseEventKind::ScrollUp => Some(Action::MoveUp),
                MouseEventKind::Down(MouseButton::Left) if self.overlay.is_none() => {
                    self.click(mouse);
                    None
                }
                _ => None,
            },
            Event::Resize(w, h) => {
                self.set_size(*w, *h);
                None
            }
            _ => None,
        }
    }

    /// What pasted text (a bracketed paste, or a burst of keys too fast to be typed, such as
    /// a barcode scanner) does: it goes into the focused text field; on the device list it
    /// starts a search for it; elsewhere it is ignored. It never runs key bindings.
    pub fn action_for_paste(&mut self, text: &str) -> Option<Action> {
        let context = self.context();
        if context.takes_text() {
            return Some(Action::InsertText(text.to_string()));
        }
        if context == Context::Devices {
            // A scanned asset tag or serial: searched for at once, and the list keeps its keys.
            let query: String = text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .take(200)
                .collect();
            self.list.query = query.trim().to_string();
            device_list::refresh(self);
            self.list.save(&self.workbook);
            let n = self.list.view.len();
            self.info(format!(
                "{n} {} \"{}\" (Esc clears the search)",
                if n == 1 {
                    "device matches"
                } else {
                    "devices match"
                },
                super::text::sanitize(&self.list.query)
            ));
            return None;
        }
        let chars = text.chars().count();
        self.info(format!(
            "Pasted text ignored ({chars} characters): paste into a note, a field or the search"
        ));
        None
    }

    /// A left click: selects the row under the pointer on the device list, the checklist and
    /// the findings.
    fn click(&mut self, mouse: &MouseEvent) {
        let body = super::layout::chrome(self.size).body;
        if mouse.row < body.y || mouse.row >= body.y + body.height {
            return;
        }
        let row = usize::from(mouse.row - body.y);
        match self.screen {
            Screen::Devices => {
                // Row 0 is the heading.
                if row >= 1 {
                    let i = self.device_cursor.offset + row - 1;
                    if i < self.list.view.len() {
                        self.device_cursor.selected = i;
                    }
                }
            }
            Screen::Checklist => {
                let list = super::layout::checklist(body).list;
                if mouse.column >= list.x + list.width || mouse.row >= list.y + list.height {
                    return;
                }
                let r = self.control_cursor.offset + row;
                if let Some(Row::Control(i)) = self.outline.rows.get(r) {
                    self.control_cursor.selected = *i;
                    checklist::keep_in_view(self);
                }
            }
            Screen::Findings => findings::click(self, row),
            Screen::Walk | Screen::Dashboard | Screen::Todo => {}
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
            Context::Checklist | Context::Walk => checklist::commits(self, action),
            Context::Note | Context::Form | Context::Confirm | Context::Acceptance => {
                *action == Action::Submit
            }
            Context::Rate => matches!(action, Action::Submit | Action::ClearRating),
            Context::Picker => {
                *action == Action::Submit
                    && matches!(&self.overlay, Some(Overlay::Picker(p)) if p.would_attach())
            }
            Context::Menu => {
                *action == Action::Submit
                    && matches!(&self.overlay, Some(Overlay::Menu(m)) if menu::commits(m))
            }
            Context::Findings => *action == Action::CycleStatus,
            Context::Global => false,
            _ => matches!(action, Action::Undo | Action::Redo),
        }
    }

    /// Whether a note being typed differs from what is saved (the run loop then saves it after
    /// a pause in typing, see [`App::autosave`]).
    pub fn autosave_due(&self) -> bool {
        matches!(&self.overlay, Some(Overlay::Note(e)) if e.autosaves() && e.is_dirty())
    }

    /// Saves the note being typed without closing the popup, so that an interruption loses
    /// nothing typed (N/A is still set only when the popup is saved with Enter).
    pub fn autosave(&mut self) {
        note::autosave(self);
    }

    /// Shows a notice to read in a popup (closed with Enter or Esc), e.g. what is wrong with
    /// the user's keymap file: too long for the status line.
    pub fn notice(&mut self, title: &str, text: String) {
        self.notice_lines(
            title,
            vec![
                text,
                String::new(),
                "medsec started with the default keys; fix the file and start again.".into(),
            ],
        );
    }

    /// Shows lines to read in a popup (closed with Enter or Esc).
    pub(crate) fn notice_lines(&mut self, title: &str, lines: Vec<String>) {
        self.overlay = Some(Overlay::Confirm(confirm::Confirm {
            title: title.to_string(),
            lines,
            pending: confirm::Pending::Notice,
            scroll: 0,
        }));
    }

    /// Tells the assessor, on start, about a catalog upgrade that just happened (a popup listing
    /// the answers to review) or about answers still awaiting review after an earlier one (the
    /// status line).
    fn announce_catalog_upgrade(&mut self) {
        if let Some(up) = self.workbook.catalog_upgrade() {
            let lines = up.lines(10);
            self.notice_lines("The control catalog was upgraded", lines);
        } else if let n @ 1.. = self
            .answers
            .iter()
            .filter_map(|a| a.suggested.as_deref())
            .filter(|s| crate::workbook::catalog_upgrade::awaits_review(s))
            .count()
        {
            self.info(format!(
                "{n} answer(s) await review after a catalog upgrade: shown as suggestions; confirm each one"
            ));
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

    /// Recomputes the progress of the devices at these indexes after the answer stored on
    /// `target` for `control_id` changed, then that target's findings
    /// ([`App::refresh_target`]).
    pub(crate) fn refresh_progress(
        &mut self,
        indexes: impl IntoIterator<Item = usize>,
        target: &Target,
        control_id: &str,
    ) {
        for i in indexes {
            if let (Some(d), Some(slot)) = (self.devices.get(i), self.progress.get_mut(i)) {
                *slot = progress(self.outline.catalog, &self.answers, d);
            }
        }
        self.refresh_target(target, control_id);
    }

    /// Updates the register after the answer or the register entry stored on `target` for
    /// `control_id` changed: only that target's findings are built again (and its model's, for
    /// a device), then every device's highest open risk; the dashboard is marked out of date.
    /// Falls back to [`App::refresh_risks`] when the register cannot be updated in place.
    pub(crate) fn refresh_target(&mut self, target: &Target, control_id: &str) {
        if !findings::refresh_target(self, target, control_id) {
            self.refresh_risks();
            return;
        }
        let register = findings::current(self);
        let risks = crate::risk::register::device_risks(&register.list, self.progress.len());
        for (p, r) in self.progress.iter_mut().zip(risks) {
            p.highest_risk = r;
        }
        self.dashboard.invalidate();
        // A filter or sort on progress, responses or risk places the devices anew (the cursor
        // stays on its device while it is still shown).
        if self.list.follows_answers() {
            let selected = self.selected_device().map(|d| d.id);
            self.list.rebuild(&self.devices, &self.progress);
            match selected {
                Some(id) => self.select_device_id(id),
                None => devices::keep_in_view(self),
            }
        }
    }

    /// Computes the risk register again (after any change to answers, devices or register
    /// entries) and with it every device's highest open risk (its own, model and site findings
    /// whose entries are Open or In Progress; the device list's Risk column). The register is
    /// kept for the Findings screen, the control screen and the dashboard, so it is computed
    /// once per change (linear in devices and stored answers), never per frame. Register
    /// entries that cannot be read are left out (the ratings still show) and the status line
    /// says so.
    pub(crate) fn refresh_risks(&mut self) {
        let register = findings::compute(self);
        if let Some(e) = &register.error {
            let e = e.clone();
            self.error(e);
        }
        crate::risk::register::fill_highest_risk(&mut self.progress, &register.list);
        self.findings.set(register);
        self.dashboard.invalidate();
    }

    /// Rows of a page on the active screen.
    pub(crate) fn page_rows(&self) -> usize {
        let body = super::layout::chrome(self.size).body;
        match self.screen {
            Screen::Devices => super::layout::device_rows(body),
            Screen::Checklist => usize::from(super::layout::checklist(body).list.height),
            Screen::Findings => findings::rows(self, body),
            Screen::Todo => usize::from(body.height.saturating_sub(1)),
            Screen::Walk | Screen::Dashboard => usize::from(body.height),
        }
        .max(1)
    }
}

/// The workbook's file name as the status line shows it (never the full path, so screens do
/// not leak directories).
pub(crate) fn shown_file_name(workbook: &Workbook) -> String {
    workbook
        .path()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workbook".to_string())
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
        Some(Overlay::Form(_)) => form::update(app, action),
        Some(Overlay::Confirm(_)) => confirm::update(app, action),
        Some(Overlay::Menu(_)) => menu::update(app, action),
        Some(Overlay::Palette(_)) => palette::update(app, action),
        Some(Overlay::Filter(_)) => filter::update(app, action),
        Some(Overlay::Rate(_)) => rate::update(app, action),
        Some(Overlay::Acceptance(_)) => acceptance::update(app, action),
        Some(Overlay::Picker(_)) => picker::update(app, action),
        Some(Overlay::History(_)) => history::update(app, action),
        None if app.context() == Context::Search => device_list::update_search(app, action),
        None => {
            if global(app, &action) {
                return;
            }
            match app.screen {
                Screen::Devices => devices::update(app, action),
                Screen::Checklist => checklist::update(app, action),
                Screen::Walk => walk::update(app, action),
                Screen::Dashboard => dashboard::update(app, action),
                Screen::Findings => findings::update(app, action),
                Screen::Todo => todo::update(app, action),
            }
        }
    }
}

/// Actions that work the same on every screen; `true` when the action was one of them.
fn global(app: &mut App, action: &Action) -> bool {
    match action {
        Action::Help => {
            let context = app.screen_context();
            app.overlay = Some(Overlay::Help(help::HelpState { context, scroll: 0 }));
        }
        Action::Palette => {
            app.overlay = Some(Overlay::Palette(palette::Palette::new(app)));
        }
        Action::ToggleMouse => {
            app.mouse_capture = !app.mouse_capture;
            let key = app
                .keymap
                .key_label(app.screen_context(), &Action::ToggleMouse);
            app.info(if app.mouse_capture {
                format!("Mouse on ({key} turns it off to select and copy text)")
            } else {
                format!("Mouse off: select text to copy it ({key} turns it back on)")
            });
        }
        Action::ToggleTheme => {
            app.theme = app.theme.toggled_contrast();
            app.info(if app.theme.is_high_contrast() {
                "High-contrast theme"
            } else {
                "Normal theme"
            });
        }
        Action::Undo => undo_redo(app, true),
        Action::Redo => undo_redo(app, false),
        Action::Dashboard => {
            app.dashboard.invalidate();
            app.screen = Screen::Dashboard;
        }
        Action::Findings => {
            app.findings.refresh_view();
            app.screen = Screen::Findings;
        }
        Action::Todo => {
            app.todo.invalidate();
            app.screen = Screen::Todo;
        }
        Action::Devices => {
            app.screen = Screen::Devices;
            devices::keep_in_view(app);
        }
        Action::Quit => {
            walk::save(app);
            app.quit = true;
        }
        _ => return false,
    }
    true
}

/// Undoes or redoes one step of the workbook's change history, then reloads what is shown.
fn undo_redo(app: &mut App, undo: bool) {
    let result = if undo {
        app.workbook.undo()
    } else {
        app.workbook.redo()
    };
    match result {
        Ok(Some(step)) => {
            let verb = if undo { "Undone" } else { "Redone" };
            match app.reload() {
                Ok(()) => {
                    app.save = SaveState::Saved;
                    let other = if undo { Action::Redo } else { Action::Undo };
                    let key = app
                        .keymap
                        .key_for(app.screen_context(), &other)
                        .map(|k| format!(" · {k} to {}", other.name()))
                        .unwrap_or_default();
                    app.info(format!(
                        "{verb}: {}{key}",
                        super::text::sanitize(&step.label)
                    ));
                }
                Err(e) => app.error(format!(
                    "{verb}, but reading the workbook again failed: {e}"
                )),
            }
        }
        Ok(None) => app.info(if undo {
            "Nothing to undo"
        } else {
            "Nothing to redo"
        }),
        Err(e) => {
            app.save = SaveState::Failed(e.to_string());
            app.error(e.to_string());
        }
    }
}
