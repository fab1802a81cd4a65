//! The Findings screen: every confirmed No / Partial / Unknown answer as one risk (a model or
//! site answer once), open risks first, by risk (`risk::register`), with owner, due date and
//! status editable in place. Only the rows that fit are built, so it stays fast with thousands
//! of findings. The register is computed when the screen is shown and again after a change.

use std::cell::OnceCell;

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::Paragraph;

use super::checklist;
use crate::assessment::{Response, Target};
use crate::risk::register::{self, Finding};
use crate::risk::{RiskStatus, scale_label};
use crate::tui::action::Action;
use crate::tui::app::{App, Cursor, Overlay, SaveState};
use crate::tui::keymap::Context;
use crate::tui::layout;
use crate::tui::popups::note::{NoteEditor, Purpose};
use crate::tui::text;
use crate::tui::widgets::columns::{Cell, draw_row, share};
use crate::workbook::{RiskEntry, RiskEntryInput, WorkbookError};

/// From this width on the table shows level names and the control's title.
const WIDE: u16 = 110;
/// Body rows below which the two-line summary of the selected finding is left out.
const SUMMARY_FROM: u16 = 12;

/// The register as last computed.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// The findings in PRODUCT.md order (open first).
    pub list: Vec<Finding<'static>>,
    /// Why the register entries (owner, due, status) could not be read, if they could not;
    /// the findings are then shown as Open with no owner.
    pub error: Option<String>,
    /// The date "overdue" was decided against (the local date when computed).
    pub today: NaiveDate,
    /// Open findings (Open or In Progress).
    pub open: usize,
    /// Open findings due before `today`.
    pub overdue: usize,
}

/// The findings list (computed when first needed, again after [`FindingsState::invalidate`])
/// and its cursor.
#[derive(Debug, Clone, Default)]
pub struct FindingsState {
    register: OnceCell<Register>,
    cursor: Cursor,
}

impl FindingsState {
    /// Marks the list out of date (after a change).
    pub fn invalidate(&mut self) {
        self.register = OnceCell::new();
    }
}

/// The local date today.
pub(crate) fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The stored register entries: the one place the workbook's risk register is read.
fn stored_entries(app: &App) -> Result<Vec<(Target, String, RiskEntry)>, WorkbookError> {
    app.workbook.risk_entries()
}

/// Computes the register from the app's devices, answers and the stored entries.
pub(crate) fn compute(app: &App) -> Register {
    let (entries, error) = match stored_entries(app) {
        Ok(e) => (e, None),
        Err(e) => (
            Vec::new(),
            Some(format!("Owners, due dates and status: {e}")),
        ),
    };
    let entries = register::EntryIndex::new(entries);
    let list = register::findings(
        app.outline.catalog,
        &app.devices,
        &app.answers,
        &entries,
        &app.workbook.risk_grid(),
    );
    let today = today();
    Register {
        open: list.iter().filter(|f| f.is_open()).count(),
        overdue: list.iter().filter(|f| f.is_overdue(today)).count(),
        list,
        error,
        today,
    }
}

/// The register, computed now if it is out of date.
pub(crate) fn current(app: &App) -> &Register {
    app.findings.register.get_or_init(|| compute(app))
}

/// Rows of findings that fit in the body under the heading (and above the summary).
pub fn rows(body: Rect) -> usize {
    let summary = if body.height >= SUMMARY_FROM { 2 } else { 0 };
    usize::from(body.height.saturating_sub(1 + summary)).max(1)
}

/// The first row to draw so that the selected one is visible.
fn offset(cursor: Cursor, len: usize, rows: usize) -> usize {
    layout::scroll(cursor.offset, cursor.selected, cursor.selected, rows)
        .min(len.saturating_sub(rows))
}

fn keep_in_view(app: &mut App) {
    let len = current(app).list.len();
    let rows = rows(layout::chrome(app.size).body);
    let c = &mut app.findings.cursor;
    c.selected = c.selected.min(len.saturating_sub(1));
    c.offset = offset(*c, len, rows);
}

/// The selected finding, if any.
fn selected(app: &App) -> Option<&Finding<'static>> {
    current(app).list.get(app.findings.cursor.selected)
}

/// Acts on the findings screen.
pub fn update(app: &mut App, action: Action) {
    let len = current(app).list.len();
    if len == 0 {
        if matches!(
            action,
            Action::Open | Action::EditOwner | Action::EditDueDate | Action::CycleStatus
        ) {
            app.info("No findings to act on yet");
        }
        return;
    }
    let page = app.page_rows();
    let sel = app.findings.cursor.selected.min(len - 1);
    let last = len - 1;
    let moved = layout::moved(&action, sel, last, page);
    let next = match action {
        _ if moved.is_some() => moved.unwrap_or(sel),
        Action::Open => {
            open(app);
            return;
        }
        Action::EditOwner | Action::EditDueDate => {
            if let Some(f) = selected(app) {
                let (target, control_id) = (f.target.clone(), f.control.id.clone());
                let (purpose, text) = if action == Action::EditOwner {
                    let owner = f.entry.owner.clone();
                    (Purpose::Owner { target, control_id }, owner)
                } else {
                    let due = f.entry.due_date.map(|d| d.to_string()).unwrap_or_default();
                    (Purpose::DueDate { target, control_id }, due)
                };
                app.overlay = Some(Overlay::Note(NoteEditor::with(purpose, text)));
            }
            return;
        }
        Action::CycleStatus => {
            if let Some(f) = selected(app) {
                let (target, control_id) = (f.target.clone(), f.control.id.clone());
                let status = next_status(f.entry.status);
                let input = RiskEntryInput {
                    status: Some(status),
                    ..RiskEntryInput::default()
                };
                // The cursor follows the finding when it moves (closed ones go below the open
                // ones), so the next key acts on the same finding again.
                if commit(app, &target, &control_id, &input)
                    && let Some(i) = current(app)
                        .list
                        .iter()
                        .position(|f| f.target == target && f.control.id == control_id)
                {
                    app.findings.cursor.selected = i;
                }
                keep_in_view(app);
            }
            return;
        }
        _ => return,
    };
    app.findings.cursor.selected = next;
    keep_in_view(app);
}

/// Open → In Progress → Closed → Open.
fn next_status(status: RiskStatus) -> RiskStatus {
    match status {
        RiskStatus::Open => RiskStatus::InProgress,
        RiskStatus::InProgress => RiskStatus::Closed,
        RiskStatus::Closed => RiskStatus::Open,
    }
}

/// Opens the selected finding's control on the checklist of its device (for a model or site
/// finding, the first device it is shown on).
fn open(app: &mut App) {
    let Some(f) = selected(app) else {
        return;
    };
    let (device, control_id, label) = (f.first_device, f.control.id.clone(), f.label());
    let Some(device) = device else {
        app.info(format!(
            "{}: no device of it is left to open",
            text::sanitize(&label)
        ));
        return;
    };
    checklist::open(app, device);
    if let Some(i) = app.outline.controls.iter().position(|c| c.id == control_id) {
        app.control_cursor.selected = i;
        checklist::keep_in_view(app);
    }
}

/// A click on body row `row` (row 0 is the heading): selects the finding drawn there.
pub fn click(app: &mut App, row: usize) {
    let len = current(app).list.len();
    let rows = rows(layout::chrome(app.size).body);
    if row == 0 || row > rows {
        return;
    }
    let i = offset(app.findings.cursor, len, rows) + row - 1;
    if i < len {
        app.findings.cursor.selected = i;
        keep_in_view(app);
    }
}

/// Commits a change to a risk register entry; `true` when it was saved. The status line says
/// what changed, or why it was not saved (the popup that asked stays open then).
pub fn commit(app: &mut App, target: &Target, control_id: &str, input: &RiskEntryInput) -> bool {
    match app.workbook.set_risk_entry(target, control_id, input) {
        Ok(entry) => {
            app.save = SaveState::Saved;
            app.findings.invalidate();
            app.dashboard.invalidate();
            let what = if input.status.is_some() {
                format!("status {}", entry.status.label())
            } else if input.owner.is_some() && entry.owner.is_empty() {
                "no owner".to_string()
            } else if input.owner.is_some() {
                format!("owner {}", text::sanitize(&entry.owner))
            } else {
                match entry.due_date {
                    Some(d) => format!("due {d}"),
                    None => "no due date".to_string(),
                }
            };
            let label = target_label(app, target);
            app.info(format!("{} · {control_id}: {what}", text::sanitize(&label)));
            true
        }
        Err(e) => {
            app.save = match e {
                WorkbookError::Invalid(_) => SaveState::Saved,
                ref other => SaveState::Failed(other.to_string()),
            };
            app.error(format!("Not saved: {e}"));
            false
        }
    }
}

/// `DEV-0003`, `MODEL B. Braun Space`, `SITE Main`.
fn target_label(app: &App, target: &Target) -> String {
    match target {
        Target::Device(id) => app
            .devices
            .iter()
            .find(|d| d.id == *id)
            .map(|d| d.short_id())
            .unwrap_or_else(|| "a deleted device".to_string()),
        Target::Model {
            manufacturer,
            model,
        } => format!("MODEL {manufacturer} {model}"),
        Target::Site(s) if s.is_empty() => "SITE (default)".to_string(),
        Target::Site(s) => format!("SITE {s}"),
    }
}

/// The title line: (screen, counts).
pub fn title(app: &App) -> (String, String) {
    let r = current(app);
    let (open, overdue) = (r.open, r.overdue);
    let closed = r.list.len() - open;
    let mut right = format!("{open} open");
    if overdue > 0 {
        right.push_str(&format!(" · {overdue} overdue"));
    }
    if closed > 0 {
        right.push_str(&format!(" · {closed} closed"));
    }
    ("Findings".into(), format!("{right} "))
}

/// Draws the table (or, with no findings, what they are) into the body.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let r = current(app);
    if r.list.is_empty() {
        render_empty(app, frame, area, r.error.as_deref());
        return;
    }
    let theme = app.theme;
    let wide = area.width >= WIDE;
    let rows = rows(area);
    let (level_w, score_w) = if wide { (9, 5) } else { (4, 3) };
    const CONTROL: usize = 8;
    const RESPONSE: usize = 8;
    const DUE: usize = 12;
    const STATUS: usize = 11;
    let cells = if wide { 10 } else { 9 };
    let fixed = 1 + level_w + score_w + CONTROL + RESPONSE + DUE + STATUS + cells - 1;
    let room = usize::from(area.width).saturating_sub(fixed);
    // Target, title, owner (no title column below WIDE: the summary line shows it).
    let flex = if wide {
        share(room.saturating_sub(2), &[26, 50, 24])
    } else {
        let f = share(room.saturating_sub(1), &[3, 2]);
        vec![f[0], 0, f[1]]
    };
    let mut headings: Vec<Cell<'_>> = vec![
        Cell::new("", 1, theme.heading()),
        Cell::new(
            if wide { "Level" } else { "Risk" },
            level_w,
            theme.heading(),
        ),
        Cell::right(if wide { "Score" } else { "L×I" }, score_w, theme.heading()),
        Cell::new("Target", flex[0], theme.heading()),
        Cell::new("Control", CONTROL, theme.heading()),
    ];
    if wide {
        headings.push(Cell::new("Title", flex[1], theme.heading()));
    }
    headings.extend([
        Cell::new("Response", RESPONSE, theme.heading()),
        Cell::new("Owner", flex[2], theme.heading()),
        Cell::new("Due", DUE, theme.heading()),
        Cell::new("Status", STATUS, theme.heading()),
    ]);
    let buf = frame.buffer_mut();
    draw_row(buf, Rect { height: 1, ..area }, &headings, Style::default());

    let len = r.list.len();
    let start = offset(app.findings.cursor, len, rows);
    let selected_row = app.findings.cursor.selected.min(len - 1);
    for (n, f) in r.list.iter().enumerate().skip(start).take(rows) {
        let selected = n == selected_row;
        let closed = !f.is_open();
        let row_style = match (selected, closed) {
            (true, _) => theme.selected(),
            (false, true) => theme.dim(),
            (false, false) => Style::default(),
        };
        let (level, level_style) = match f.level() {
            Some(l) if wide => (l.label(), theme.risk(l)),
            Some(l) => (l.abbreviation(), theme.risk(l)),
            None => ("·", theme.dim()),
        };
        let score = f.score().map(|s| s.to_string()).unwrap_or("·".into());
        let label = f.label();
        let due = match f.entry.due_date {
            Some(d) if f.is_overdue(r.today) => format!("{d} !"),
            Some(d) => d.to_string(),
            None => "·".into(),
        };
        let due_style = if f.is_overdue(r.today) {
            theme.error()
        } else if f.entry.due_date.is_none() {
            theme.dim()
        } else {
            Style::default()
        };
        let (owner, owner_style) = if f.entry.owner.trim().is_empty() {
            ("·", theme.dim())
        } else {
            (f.entry.owner.as_str(), Style::default())
        };
        let status_style = match f.entry.status {
            RiskStatus::Open => Style::default().add_modifier(Modifier::BOLD),
            RiskStatus::InProgress => theme.info(),
            RiskStatus::Closed => theme.dim(),
        };
        let mut cells = vec![
            Cell::new(if selected { "›" } else { " " }, 1, row_style),
            Cell::new(level, level_w, level_style),
            Cell::right(&score, score_w, Style::default()),
            Cell::new(&label, flex[0], Style::default()),
            Cell::new(&f.control.id, CONTROL, Style::default()),
        ];
        if wide {
            cells.push(Cell::new(&f.control.title, flex[1], Style::default()));
        }
        cells.extend([
            Cell::new(
                f.response.label(),
                RESPONSE,
                theme.response(Some(f.response)),
            ),
            Cell::new(owner, flex[2], owner_style),
            Cell::new(&due, DUE, due_style),
            Cell::new(f.entry.status.label(), STATUS, status_style),
        ]);
        let y = area.y + 1 + u16::try_from(n - start).unwrap_or(u16::MAX);
        draw_row(buf, Rect::new(area.x, y, area.width, 1), &cells, row_style);
    }
    if area.height >= SUMMARY_FROM
        && let Some(f) = r.list.get(selected_row)
    {
        let y = area.y + area.height - 2;
        render_summary(app, frame, Rect::new(area.x, y, area.width, 2), f, r);
    }
}

/// Two lines on the selected finding: the control in full, then where it is and its rating.
fn render_summary(app: &App, frame: &mut Frame, area: Rect, f: &Finding<'_>, r: &Register) {
    let theme = app.theme;
    let first = if let Some(e) = &r.error {
        Line::styled(text::sanitize(e).into_owned(), theme.error())
    } else {
        let mut spans = vec![
            Span::styled(format!("{} ", f.control.id), theme.title()),
            Span::raw(f.control.title.clone()),
        ];
        if !f.entry.owner.trim().is_empty() {
            spans.push(Span::styled(" · owner ", theme.dim()));
            spans.push(Span::raw(text::sanitize(&f.entry.owner).into_owned()));
        }
        Line::from(spans)
    };
    let target = match &f.target {
        Target::Device(_) => {
            let name = f
                .first_device
                .and_then(|i| app.devices.get(i))
                .map(|d| d.get("name").to_string())
                .unwrap_or_default();
            format!("{} {name}", f.name)
        }
        Target::Model { .. } => format!("Model {}, {}", f.name, devices(f.covers)),
        Target::Site(_) => {
            let name = if f.name.is_empty() {
                "default site"
            } else {
                &f.name
            };
            format!("Site {name}, {}", devices(f.covers))
        }
    };
    let mut spans = vec![
        Span::raw(text::sanitize(&target).into_owned()),
        Span::styled(" · ", theme.dim()),
        Span::styled(f.response.label(), theme.response(Some(f.response))),
        Span::styled(" · ", theme.dim()),
    ];
    match (f.likelihood, f.impact, f.level()) {
        (Some(l), Some(i), Some(level)) if area.width >= WIDE => {
            spans.push(Span::raw(format!(
                "likelihood {l} {} × impact {i} {} = {} ",
                scale_label(l),
                scale_label(i),
                l * i
            )));
            spans.push(Span::styled(level.label(), theme.risk(level)));
        }
        (Some(l), Some(i), Some(level)) => {
            spans.push(Span::raw(format!("L{l} × I{i} = {} ", l * i)));
            spans.push(Span::styled(level.label(), theme.risk(level)));
        }
        _ => spans.push(Span::styled("not rated", theme.dim())),
    }
    if f.response == Response::Unknown {
        spans.push(Span::styled(" · could not be assessed", theme.dim()));
    }
    frame.render_widget(
        Paragraph::new(Text::from(vec![first, Line::from(spans)])),
        area,
    );
}

/// "1 device", "4 devices".
fn devices(n: usize) -> String {
    if n == 1 {
        "shown on 1 device".to_string()
    } else {
        format!("shown on {n} devices")
    }
}

fn render_empty(app: &App, frame: &mut Frame, area: Rect, error: Option<&str>) {
    let theme = app.theme;
    let key = |a: Action, context| app.keymap.key_label(context, &a);
    let mut lines = vec![
        Line::styled("No findings yet.", theme.title()),
        Line::raw(""),
        Line::raw(
            "A finding is a control answered No, Partial or Unknown on a checklist. Each one \
             is a risk rated likelihood × impact (1–5 each; level from NIST SP 800-30 \
             Table I-2) and gets an owner, a due date and a status here.",
        ),
        Line::raw(""),
        Line::raw(
            "A model or site answer is one finding, however many devices it is shown on. \
             Suggested answers (from an MDS2) become findings once confirmed.",
        ),
        Line::raw(""),
        Line::raw(format!(
            "{} goes back to Devices; Enter there opens a device's checklist.",
            key(Action::Devices, Context::Findings)
        )),
    ];
    if let Some(e) = error {
        lines.push(Line::raw(""));
        lines.push(Line::styled(text::sanitize(e).into_owned(), theme.error()));
    }
    crate::tui::widgets::message::render(frame, area, lines, 2, 2, 1);
}
