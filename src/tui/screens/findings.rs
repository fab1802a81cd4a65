//! The Findings screen: the risk register. Every confirmed No / Partial / Unknown answer is one
//! risk (a model or site answer once), open risks first, by risk (`risk::register`), with its
//! Risk ID, level (then the residual level), score, treatment, owner, due date in force (`*`
//! when it is the default by level), status and flags (OVERDUE, EXPIRED, PS! = uncontrolled
//! patient-safety risk). Every field of the register entry is edited in place (`register`).
//! The filter key narrows the list to the open, overdue or flagged findings; the details of the
//! selected finding are in a pane, shown on tall terminals and on request at 80×24. Only the
//! rows that fit are built, so it stays fast with thousands of findings. The register is
//! computed on opening and after an undo or a bulk change (`App::refresh_risks`); an answer or
//! a register edit rebuilds only its target's findings (`App::refresh_target`). The table's
//! columns and rows are drawn by `findings_table`.

use std::cell::OnceCell;

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::checklist;
use super::finding;
use super::findings_table::{self, WIDE};
use super::register::{self, Field, Subject};
use crate::assessment::Target;
use crate::risk::RiskStatus;
use crate::risk::register::{self as risk_register, Finding};
use crate::tui::action::Action;
use crate::tui::app::{App, Cursor};
use crate::tui::keymap::Context;
use crate::tui::layout;
use crate::tui::text;
use crate::workbook::{RiskEntryInput, WorkbookError};

/// Body rows below which the two-line summary of the selected finding is left out.
const SUMMARY_FROM: u16 = 12;
/// Body rows from which the details pane is shown without asking.
const DETAILS_FROM: u16 = 30;
/// Rows of the details pane on a tall terminal (its rule included).
const DETAILS_ROWS: u16 = 14;

/// The register as last computed.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// The findings in PRODUCT.md order (open first).
    pub list: Vec<Finding<'static>>,
    /// Why the register entries (owner, due, status) could not be read, if they could not;
    /// the findings are then shown as Open with no owner.
    pub error: Option<String>,
    /// The date "overdue" and "expired" were decided against (the local date when computed).
    pub today: NaiveDate,
    /// Open findings (Open or In Progress).
    pub open: usize,
    /// Open findings due before `today`.
    pub overdue: usize,
    /// Accepted findings whose review date is before `today` (open or closed).
    pub expired: usize,
    /// Uncontrolled patient-safety risks (the PS! flag).
    pub uncontrolled_safety: usize,
    /// The stored register entries the findings were built with, kept so that a change to one
    /// target rebuilds only that target's findings ([`refresh_target`]).
    entries: risk_register::EntryIndex,
}

impl Register {
    /// Counts the open, overdue, expired and uncontrolled patient-safety findings as of `today`.
    fn count(&mut self, today: NaiveDate) {
        // One pass: 80,000 findings of 700 bytes are 56 MB to read each time.
        let (mut open, mut overdue, mut expired, mut uncontrolled) = (0, 0, 0, 0);
        for f in &self.list {
            open += usize::from(f.is_open());
            overdue += usize::from(f.is_overdue(today));
            expired += usize::from(f.is_expired(today));
            uncontrolled += usize::from(f.is_uncontrolled_safety());
        }
        self.open = open;
        self.overdue = overdue;
        self.expired = expired;
        self.uncontrolled_safety = uncontrolled;
        self.today = today;
    }
}

/// Which findings the screen lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    /// Every finding.
    #[default]
    All,
    /// Open or In Progress.
    Open,
    /// Open and past the due date.
    Overdue,
    /// With any flag: overdue, expired acceptance, uncontrolled patient-safety risk.
    Flagged,
}

impl Filter {
    /// The next filter, round from All.
    fn next(self) -> Filter {
        match self {
            Filter::All => Filter::Open,
            Filter::Open => Filter::Overdue,
            Filter::Overdue => Filter::Flagged,
            Filter::Flagged => Filter::All,
        }
    }

    /// `all`, `open`, `overdue`, `flagged`.
    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Open => "open",
            Filter::Overdue => "overdue",
            Filter::Flagged => "flagged",
        }
    }

    fn keeps(self, f: &Finding<'_>, today: NaiveDate) -> bool {
        match self {
            Filter::All => true,
            Filter::Open => f.is_open(),
            Filter::Overdue => f.is_overdue(today),
            Filter::Flagged => !finding::flags(f, today).is_empty(),
        }
    }
}

/// The findings list (computed when first needed, again after a change), the findings the
/// filter keeps, the cursor, and whether the details pane is shown.
#[derive(Debug, Clone, Default)]
pub struct FindingsState {
    register: OnceCell<Register>,
    /// Indexes into the register's list that the filter keeps.
    view: OnceCell<Vec<usize>>,
    cursor: Cursor,
    filter: Filter,
    /// Details pane: `None` = shown when the terminal is tall enough.
    details: Option<bool>,
}

impl FindingsState {
    /// Filters the list again when the screen is shown, and decides "overdue" and "expired"
    /// again when the date has changed since the register was computed (the findings
    /// themselves are kept up to date by every change: `App::refresh_risks`,
    /// `App::refresh_target`).
    pub fn refresh_view(&mut self) {
        let today = today();
        if let Some(r) = self.register.get_mut()
            && r.today != today
        {
            r.count(today);
        }
        self.view = OnceCell::new();
    }

    /// Keeps a register just computed (see `App::refresh_risks`).
    pub(crate) fn set(&mut self, register: Register) {
        self.register = OnceCell::from(register);
        self.view = OnceCell::new();
    }
}

/// The local date today.
pub(crate) fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The stored register entries: the one place the workbook's risk register is read.
fn stored_entries(app: &App) -> Result<risk_register::EntryIndex, WorkbookError> {
    risk_register::EntryIndex::read(&app.workbook)
}

/// Computes the register from the app's devices, answers and the stored entries, rated with
/// the workbook's grid.
pub(crate) fn compute(app: &App) -> Register {
    let (entries, error) = match stored_entries(app) {
        Ok(e) => (e, None),
        Err(e) => (
            risk_register::EntryIndex::default(),
            Some(format!("Risk register entries: {e}")),
        ),
    };
    let (vulns, error) = match (
        app.workbook.vuln_findings(),
        app.workbook.finding_risk_entries(),
    ) {
        (Ok(v), Ok(e)) => ((v, e), error),
        (Err(e), _) | (_, Err(e)) => (
            Default::default(),
            error.or_else(|| Some(format!("Vulnerability findings: {e}"))),
        ),
    };
    let entries = entries.with_vulnerabilities(vulns.0, vulns.1);
    let list = risk_register::findings(
        app.outline.catalog,
        &app.devices,
        &app.answers,
        &entries,
        &app.workbook.risk_grid(),
    );
    let mut register = Register {
        list,
        error,
        entries,
        ..Register::default()
    };
    register.count(today());
    register
}

/// Rebuilds the findings of the answers stored on `target` (and, for a device, those of its
/// model, whose findings show on the units that do not override them) after the answer or the
/// register entry for `control_id` on `target` changed: that entry is read again, the target's
/// findings replace its old ones in order, and the figures are counted again. Linear in the
/// findings and devices, not in the stored answers (a change on a 10,000-device workbook costs
/// milliseconds where [`compute`] costs about a second).
///
/// `false` (nothing changed) when there is no register to update, it was computed with an
/// error, or the entry cannot be read: then compute it again ([`compute`]).
pub(crate) fn refresh_target(app: &mut App, target: &Target, control_id: &str) -> bool {
    let Some(mut register) = app.findings.register.take() else {
        return false;
    };
    if register.error.is_some() {
        return false;
    }
    match app.workbook.risk_entry(target, control_id) {
        Ok(entry) => register.entries.set(target, control_id, entry),
        Err(_) => return false,
    }
    let mut targets = vec![target.clone()];
    if let Target::Device(id) = target
        && let Some(model) = app
            .devices
            .iter()
            .find(|d| d.id == *id)
            .and_then(crate::assessment::model_target)
    {
        targets.push(model);
    }
    let grid = app.workbook.risk_grid();
    register
        .list
        .retain(|f| f.vulnerability.is_some() || !targets.iter().any(|t| f.target.matches(t)));
    for t in &targets {
        let rebuilt = risk_register::target_findings(
            app.outline.catalog,
            &app.devices,
            &app.answers,
            &register.entries,
            &grid,
            t,
        );
        for f in rebuilt {
            let at = register
                .list
                .partition_point(|x| risk_register::order(x, &f) == std::cmp::Ordering::Less);
            register.list.insert(at, f);
        }
    }
    register.count(today());
    app.findings.set(register);
    true
}

/// The register, computed now if it is out of date.
pub(crate) fn current(app: &App) -> &Register {
    app.findings.register.get_or_init(|| compute(app))
}

/// The indexes (into the register's list) of the findings the filter keeps.
fn view(app: &App) -> &[usize] {
    app.findings.view.get_or_init(|| {
        let r = current(app);
        let filter = app.findings.filter;
        r.list
            .iter()
            .enumerate()
            .filter(|(_, f)| filter.keeps(f, r.today))
            .map(|(i, _)| i)
            .collect()
    })
}

/// Where the table, the details pane and the summary go in the body.
struct Areas {
    table: Rect,
    pane: Option<Rect>,
    summary: Option<Rect>,
}

/// The details pane takes the rows the table does not need, at least [`DETAILS_ROWS`] on a
/// tall terminal and half the body on a short one; the table keeps its heading and one row.
fn areas(app: &App, body: Rect) -> Areas {
    let tall = body.height >= DETAILS_FROM;
    if app.findings.details.unwrap_or(tall) {
        let least = if tall { DETAILS_ROWS } else { body.height / 2 };
        let needed = u16::try_from(view(app).len().max(1) + 1).unwrap_or(u16::MAX);
        let h = least
            .max(body.height.saturating_sub(needed))
            .min(body.height.saturating_sub(2));
        let table = Rect {
            height: body.height - h,
            ..body
        };
        let pane = Rect {
            y: body.y + table.height,
            height: h,
            ..body
        };
        return Areas {
            table,
            pane: Some(pane),
            summary: None,
        };
    }
    if body.height >= SUMMARY_FROM {
        let table = Rect {
            height: body.height - 2,
            ..body
        };
        let summary = Rect {
            y: body.y + table.height,
            height: 2,
            ..body
        };
        return Areas {
            table,
            pane: None,
            summary: Some(summary),
        };
    }
    Areas {
        table: body,
        pane: None,
        summary: None,
    }
}

/// Rows of findings that fit in the table under its heading.
pub fn rows(app: &App, body: Rect) -> usize {
    usize::from(areas(app, body).table.height.saturating_sub(1)).max(1)
}

/// The first row to draw so that the selected one is visible.
fn offset(cursor: Cursor, len: usize, rows: usize) -> usize {
    layout::scroll(cursor.offset, cursor.selected, cursor.selected, rows)
        .min(len.saturating_sub(rows))
}

fn keep_in_view(app: &mut App) {
    let len = view(app).len();
    let rows = rows(app, layout::chrome(app.size).body);
    let c = &mut app.findings.cursor;
    c.selected = c.selected.min(len.saturating_sub(1));
    c.offset = offset(*c, len, rows);
}

/// The selected finding, if any.
fn selected(app: &App) -> Option<&Finding<'static>> {
    let i = *view(app).get(app.findings.cursor.selected)?;
    current(app).list.get(i)
}

/// Puts the cursor on a finding after a change moved it (a closed finding goes below the open
/// ones), so that the next key acts on the same finding; it stays where it was when the filter
/// no longer shows the finding.
pub(crate) fn follow(app: &mut App, subject: &Subject) {
    let r = current(app);
    let at = view(app)
        .iter()
        .position(|&i| r.list.get(i).is_some_and(|f| subject.matches(f)));
    if let Some(at) = at {
        app.findings.cursor.selected = at;
    }
    keep_in_view(app);
}

/// Acts on the findings screen.
pub fn update(app: &mut App, action: Action) {
    match action {
        Action::FilterFindings => {
            let subject = selected(app).map(Subject::of);
            app.findings.filter = app.findings.filter.next();
            app.findings.view = OnceCell::new();
            match subject {
                Some(s) => follow(app, &s),
                None => keep_in_view(app),
            }
            let n = view(app).len();
            let key = app
                .keymap
                .key_label(Context::Findings, &Action::FilterFindings);
            let filter = app.findings.filter;
            app.info(match filter {
                Filter::All => format!("Showing all {n} findings ({key}: only the open ones)"),
                other => format!(
                    "Showing the {} findings: {n} ({key}: {})",
                    other.label(),
                    match other.next() {
                        Filter::All => "all of them".to_string(),
                        next => format!("only the {} ones", next.label()),
                    }
                ),
            });
            return;
        }
        Action::ToggleDetails => {
            let body = layout::chrome(app.size).body;
            let shown = areas(app, body).pane.is_some();
            app.findings.details = Some(!shown);
            keep_in_view(app);
            return;
        }
        _ => {}
    }
    let len = view(app).len();
    if len == 0 {
        let acts = !matches!(
            action,
            Action::MoveUp
                | Action::MoveDown
                | Action::PageUp
                | Action::PageDown
                | Action::First
                | Action::Last
        );
        if acts && current(app).list.is_empty() {
            app.info("No findings to act on yet");
        } else if acts {
            let key = app
                .keymap
                .key_label(Context::Findings, &Action::FilterFindings);
            app.info(format!(
                "No {} findings: {key} shows the others",
                app.findings.filter.label()
            ));
        }
        return;
    }
    let page = app.page_rows();
    let sel = app.findings.cursor.selected.min(len - 1);
    if let Some(next) = layout::moved(&action, sel, len - 1, page) {
        app.findings.cursor.selected = next;
        keep_in_view(app);
        return;
    }
    let Some(subject) = selected(app).map(Subject::of) else {
        return;
    };
    let field = match action {
        Action::Open => {
            open(app);
            return;
        }
        Action::RiskEntry => {
            register::entry_menu(app, subject);
            return;
        }
        Action::CycleStatus => {
            let status = selected(app)
                .map(|f| next_status(f.entry.status))
                .unwrap_or_default();
            let input = RiskEntryInput {
                status: Some(status),
                ..RiskEntryInput::default()
            };
            if register::commit(app, &subject, &input) && status == RiskStatus::Closed {
                closed_notice(app, &subject);
            }
            return;
        }
        Action::Rate => Field::Rating,
        Action::EditTreatment => Field::Treatment,
        Action::EditActions => Field::PlannedActions,
        Action::EditOwner => Field::Owner,
        Action::EditDueDate => Field::DueDate,
        Action::RateResidual => Field::Residual,
        Action::EditAcceptance => Field::Acceptance,
        Action::EditReviewDate => Field::ReviewDate,
        _ => return,
    };
    register::edit(app, subject, field);
}

/// After the status key closed a finding (one key press, easily pressed once too often): says
/// which risk was closed and the key that undoes it, from the keymap.
fn closed_notice(app: &mut App, subject: &Subject) {
    let what = match register::find(app, subject) {
        // Short enough to leave the undo key in view at 80 columns.
        Some(f) => match f.entry.risk_id() {
            Some(id) => format!("{id} {}", f.control.id),
            None => format!("{} · {}", f.label(), f.control.id),
        },
        None => subject.control_id.clone(),
    };
    let undo = app
        .keymap
        .key_for(Context::Findings, &Action::Undo)
        .map(|k| format!(" · {k} undoes"))
        .unwrap_or_default();
    app.info(format!("{} closed{undo}", text::sanitize(&what)));
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
    let len = view(app).len();
    let rows = rows(app, layout::chrome(app.size).body);
    if row == 0 || row > rows {
        return;
    }
    let i = offset(app.findings.cursor, len, rows) + row - 1;
    if i < len {
        app.findings.cursor.selected = i;
        keep_in_view(app);
    }
}

/// The title line: (screen, counts and the filter). The counts: open, overdue, expired
/// acceptances, uncontrolled patient-safety risks (`PS!`) and closed, the last two left out
/// when the line is too narrow for them; a count of zero is left out, except open.
pub fn title(app: &App) -> (String, String) {
    let r = current(app);
    let closed = r.list.len() - r.open;
    if app.findings.filter != Filter::All {
        let right = format!(
            "showing {}: {} of {}",
            app.findings.filter.label(),
            view(app).len(),
            r.list.len()
        );
        return ("Findings".into(), format!("{right} "));
    }
    let counts = |safety: bool, closed_too: bool| {
        let mut right = format!("{} open", r.open);
        for (n, what) in [
            (r.overdue, "overdue"),
            (r.expired, "expired"),
            (if safety { r.uncontrolled_safety } else { 0 }, "PS!"),
            (if closed_too { closed } else { 0 }, "closed"),
        ] {
            if n > 0 {
                right.push_str(&format!(" · {n} {what}"));
            }
        }
        format!("{right} ")
    };
    // The title line gives the right side at most half the width (`render`); what needs
    // attention stays, the PS! count and then the closed count go first.
    let room = usize::from(app.size.width) / 2;
    let right = [(true, true), (false, true), (false, false)]
        .into_iter()
        .map(|(safety, closed_too)| counts(safety, closed_too))
        .find(|c| text::width(c) <= room)
        .unwrap_or_else(|| counts(false, false));
    ("Findings".into(), right)
}

/// Draws the table, the details pane or the summary (or, with no findings, what they are) into
/// the body.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let r = current(app);
    if r.list.is_empty() {
        render_empty(app, frame, area, r.error.as_deref());
        return;
    }
    let a = areas(app, area);
    let v = view(app);
    if v.is_empty() {
        let key = app
            .keymap
            .key_label(Context::Findings, &Action::FilterFindings);
        let lines = vec![
            Line::styled(
                format!("No {} findings.", app.findings.filter.label()),
                app.theme.title(),
            ),
            Line::raw(""),
            Line::raw(format!(
                "{key} shows the next filter (all, open, overdue, flagged: OVERDUE, EXPIRED \
                 acceptance, PS! uncontrolled patient-safety risk)."
            )),
        ];
        crate::tui::widgets::message::render(frame, area, lines, 2, 2, 1);
        return;
    }
    let rows = usize::from(a.table.height.saturating_sub(1)).max(1);
    let start = offset(app.findings.cursor, v.len(), rows);
    let selected_row = app.findings.cursor.selected.min(v.len() - 1);
    findings_table::draw(
        app,
        frame.buffer_mut(),
        a.table,
        &r.list,
        &v[start..(start + rows).min(v.len())],
        selected_row.checked_sub(start),
        r.today,
    );
    let Some(f) = v.get(selected_row).and_then(|&i| r.list.get(i)) else {
        return;
    };
    if let Some(pane) = a.pane {
        render_details(app, frame, pane, f, r);
    } else if let Some(summary) = a.summary {
        render_summary(app, frame, summary, f, r);
    }
}

/// The details pane: a rule with the Risk ID and the control, then every field of the entry.
fn render_details(app: &App, frame: &mut Frame, area: Rect, f: &Finding<'_>, r: &Register) {
    let theme = app.theme;
    let heading = format!(
        " {} · {} {} ",
        finding::risk_id(f),
        f.control.id,
        text::sanitize(&f.control.title)
    );
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Span::styled(heading, theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = Rect {
        x: inner.x + 1.min(inner.width),
        width: inner.width.saturating_sub(1),
        ..inner
    };
    let mut lines = Vec::new();
    if let Some(e) = &r.error {
        lines.push(Line::styled(text::sanitize(e).into_owned(), theme.error()));
    }
    lines.extend(finding::details(app, f, r.today, usize::from(inner.width)));
    frame.render_widget(Paragraph::new(Text::from(lines)), inner);
}

/// Two lines on the selected finding: its Risk ID and control in full, then where it is, its
/// rating and what the details key shows.
fn render_summary(app: &App, frame: &mut Frame, area: Rect, f: &Finding<'_>, r: &Register) {
    let theme = app.theme;
    let first = if let Some(e) = &r.error {
        Line::styled(text::sanitize(e).into_owned(), theme.error())
    } else {
        let mut spans = vec![
            Span::styled(
                format!("{} {} ", finding::risk_id(f), f.control.id),
                theme.title(),
            ),
            Span::raw(f.control.title.clone()),
        ];
        if !f.entry.owner.trim().is_empty() {
            spans.push(Span::styled(" · owner ", theme.dim()));
            spans.push(Span::raw(text::sanitize(&f.entry.owner).into_owned()));
        }
        Line::from(spans)
    };
    let mut spans = vec![
        Span::raw(text::sanitize(&finding::target_words(app, f)).into_owned()),
        Span::styled(" · ", theme.dim()),
        Span::styled(f.response_label(), theme.response(Some(f.response))),
        Span::styled(" · ", theme.dim()),
    ];
    match (finding::rating_words(f, area.width >= WIDE), f.level()) {
        (Some(words), Some(level)) => {
            let label = level.label();
            let numbers = words.strip_suffix(label).unwrap_or(&words).to_string();
            spans.push(Span::raw(numbers));
            spans.push(Span::styled(label, theme.risk(level)));
        }
        _ => spans.push(Span::styled("not rated", theme.dim())),
    }
    let key = app
        .keymap
        .key_label(Context::Findings, &Action::ToggleDetails);
    spans.push(Span::styled(format!(" · {key} details"), theme.dim()));
    frame.render_widget(
        Paragraph::new(Text::from(vec![first, Line::from(spans)])),
        area,
    );
}

fn render_empty(app: &App, frame: &mut Frame, area: Rect, error: Option<&str>) {
    let theme = app.theme;
    let key = |a: Action, context| app.keymap.key_label(context, &a);
    let mut lines = vec![
        Line::styled("No findings yet.", theme.title()),
        Line::raw(""),
        Line::raw(
            "A finding is a control answered No, Partial or Unknown on a checklist. Each one \
             is a risk rated likelihood × impact (1–5 each; level from the workbook's grid, \
             NIST SP 800-30 Table I-2) with an entry in the risk register here: treatment, \
             planned actions, owner, due date, status, residual risk and acceptance.",
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
