//! The conflict view of `medsec merge`: every conflict of a merge plan (device / control /
//! field, ours and theirs with who and when), one choice each. `o` / `t` choose for the conflict
//! under the cursor (and move on), `O` / `T` choose for all, Enter applies once every conflict
//! has a choice, Esc cancels (nothing is changed).
//!
//! [`ConflictView`] holds the state and changes it ([`ConflictView::update`]); [`render`] only
//! reads it; [`choose`] runs both on the terminal. Its keys are [`KEYS`], which both the
//! dispatch and the hint line read, so they cannot drift apart.

use std::io::{stdin, stdout};
use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ratatui::Frame;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};
#[cfg(unix)]
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};

use super::TuiError;
use super::terminal::TerminalGuard;
use super::theme::Theme;
use crate::workbook::{FieldDiff, Side};

/// What the user can do in the conflict view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictAction {
    /// Move to the previous conflict.
    Up,
    /// Move to the next conflict.
    Down,
    /// Move one page up.
    PageUp,
    /// Move one page down.
    PageDown,
    /// Keep ours for the conflict under the cursor, then move to the next.
    Ours,
    /// Take theirs for the conflict under the cursor, then move to the next.
    Theirs,
    /// Keep ours for every conflict.
    AllOurs,
    /// Take theirs for every conflict.
    AllTheirs,
    /// Apply the merge (only once every conflict has a choice).
    Apply,
    /// Leave without merging: nothing is changed.
    Cancel,
}

/// The view's keys: (key as shown, what it does, shown in the hint line).
pub const KEYS: [(&str, ConflictAction, &str); 10] = [
    ("o", ConflictAction::Ours, "ours"),
    ("t", ConflictAction::Theirs, "theirs"),
    ("O", ConflictAction::AllOurs, "all ours"),
    ("T", ConflictAction::AllTheirs, "all theirs"),
    ("Enter", ConflictAction::Apply, "apply"),
    ("Esc", ConflictAction::Cancel, "cancel"),
    ("↑↓", ConflictAction::Up, "move"),
    ("↓", ConflictAction::Down, ""),
    ("PgUp", ConflictAction::PageUp, ""),
    ("PgDn", ConflictAction::PageDown, ""),
];

/// The action of a key press, if any (only presses, never releases or repeats of other kinds).
pub fn action_for(key: &KeyEvent) -> Option<ConflictAction> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    Some(match key.code {
        KeyCode::Char('o') => ConflictAction::Ours,
        KeyCode::Char('t') => ConflictAction::Theirs,
        KeyCode::Char('O') => ConflictAction::AllOurs,
        KeyCode::Char('T') => ConflictAction::AllTheirs,
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            ConflictAction::Cancel
        }
        KeyCode::Enter => ConflictAction::Apply,
        KeyCode::Esc => ConflictAction::Cancel,
        KeyCode::Up | KeyCode::Char('k') => ConflictAction::Up,
        KeyCode::Down | KeyCode::Char('j') => ConflictAction::Down,
        KeyCode::PageUp => ConflictAction::PageUp,
        KeyCode::PageDown => ConflictAction::PageDown,
        _ => return None,
    })
}

/// How the view ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictOutcome {
    /// Apply with these choices (one per conflict, in order).
    Apply(Vec<Side>),
    /// Cancelled: nothing is changed.
    Cancel,
}

/// The conflict view's state.
#[derive(Debug, Clone)]
pub struct ConflictView {
    other: String,
    conflicts: Vec<FieldDiff>,
    choices: Vec<Option<Side>>,
    cursor: usize,
    page: usize,
    message: Option<String>,
    outcome: Option<ConflictOutcome>,
}

impl ConflictView {
    /// A view of `conflicts` (from `MergePlan::conflicts`) of merging `other` (a file name),
    /// none chosen yet.
    pub fn new(other: &str, conflicts: &[FieldDiff]) -> ConflictView {
        ConflictView {
            other: other.to_string(),
            conflicts: conflicts.to_vec(),
            choices: vec![None; conflicts.len()],
            cursor: 0,
            page: 10,
            message: None,
            outcome: None,
        }
    }

    /// The choices so far (`None` = not chosen yet), one per conflict.
    pub fn choices(&self) -> &[Option<Side>] {
        &self.choices
    }

    /// The conflict under the cursor (0-based).
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// How the view ended; `None` while it is open.
    pub fn outcome(&self) -> Option<&ConflictOutcome> {
        self.outcome.as_ref()
    }

    /// Sets how many rows a page moves (the table's height when drawn).
    pub fn set_page(&mut self, rows: usize) {
        self.page = rows.max(1);
    }

    /// Applies one action.
    pub fn update(&mut self, action: ConflictAction) {
        self.message = None;
        let last = self.conflicts.len().saturating_sub(1);
        match action {
            ConflictAction::Up => self.cursor = self.cursor.saturating_sub(1),
            ConflictAction::Down => self.cursor = (self.cursor + 1).min(last),
            ConflictAction::PageUp => self.cursor = self.cursor.saturating_sub(self.page),
            ConflictAction::PageDown => self.cursor = (self.cursor + self.page).min(last),
            ConflictAction::Ours | ConflictAction::Theirs => {
                let side = if action == ConflictAction::Ours {
                    Side::Ours
                } else {
                    Side::Theirs
                };
                if let Some(c) = self.choices.get_mut(self.cursor) {
                    *c = Some(side);
                }
                self.cursor = (self.cursor + 1).min(last);
            }
            ConflictAction::AllOurs => self.choices.fill(Some(Side::Ours)),
            ConflictAction::AllTheirs => self.choices.fill(Some(Side::Theirs)),
            ConflictAction::Apply => {
                let chosen: Option<Vec<Side>> = self.choices.iter().copied().collect();
                match chosen {
                    Some(all) => self.outcome = Some(ConflictOutcome::Apply(all)),
                    None => {
                        let open = self.choices.iter().filter(|c| c.is_none()).count();
                        if let Some(first) = self.choices.iter().position(Option::is_none) {
                            self.cursor = first;
                        }
                        self.message = Some(format!(
                            "{open} conflict(s) still to choose: o ours, t theirs (O / T for all)"
                        ));
                    }
                }
            }
            ConflictAction::Cancel => self.outcome = Some(ConflictOutcome::Cancel),
        }
    }
}

/// `ours` / `theirs` / `–` for a choice.
fn choice_label(c: Option<Side>) -> &'static str {
    match c {
        Some(Side::Ours) => "ours",
        Some(Side::Theirs) => "theirs",
        None => "–",
    }
}

/// Draws the view: a title, the table of conflicts, the one under the cursor in full, a message
/// line and the keys. Reads the state only.
pub fn render(view: &ConflictView, theme: Theme, frame: &mut Frame) {
    let area = frame.area();
    let [title, table_area, detail, message, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(6),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let chosen = view.choices.iter().filter(|c| c.is_some()).count();
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!("Merge {}", view.other), theme.title()),
            Span::raw(format!(
                " — {} conflict(s), {chosen} chosen",
                view.conflicts.len()
            )),
        ])),
        title,
    );
    render_table(view, theme, frame, table_area);
    render_detail(view, theme, frame, detail);
    if let Some(m) = &view.message {
        frame.render_widget(
            Paragraph::new(Span::styled(m.as_str(), theme.error())),
            message,
        );
    }
    let mut spans = Vec::new();
    for (key, _, what) in KEYS.iter().filter(|(_, _, what)| !what.is_empty()) {
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(*key, theme.key()));
        spans.push(Span::raw(format!(" {what}")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), hints);
}

fn render_table(view: &ConflictView, theme: Theme, frame: &mut Frame, area: Rect) {
    // The field column fits the longest field name: up to 14 characters at 80 columns, up to 32
    // on a wide terminal (120 columns or more).
    let longest = view
        .conflicts
        .iter()
        .map(|d| d.field.chars().count())
        .max()
        .unwrap_or(0);
    let field_width = longest.clamp(5, if area.width >= 120 { 32 } else { 14 });
    let fixed = 6 + 18 + field_width + 6;
    let value_width = (usize::from(area.width).saturating_sub(fixed) / 2).max(8);
    let rows: Vec<Row> = view
        .conflicts
        .iter()
        .zip(&view.choices)
        .map(|(d, c)| {
            let mark = |side: Side| {
                if *c == Some(side) {
                    theme.selected()
                } else {
                    Style::new()
                }
            };
            Row::new(vec![
                Cell::from(choice_label(*c)),
                Cell::from(crate::device::fields::printable(&d.subject)),
                Cell::from(d.field.clone()),
                Cell::from(Span::styled(d.ours.text(value_width), mark(Side::Ours))),
                Cell::from(Span::styled(d.theirs.text(value_width), mark(Side::Theirs))),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(6),
        Constraint::Length(18),
        Constraint::Length(u16::try_from(field_width).unwrap_or(14)),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ];
    let table = Table::new(rows, widths)
        .header(Row::new(["Choice", "Row", "Field", "Ours", "Theirs"]).style(theme.heading()))
        .row_highlight_style(theme.selected())
        .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected(Some(view.cursor));
    frame.render_stateful_widget(table, area, &mut state);
}

fn render_detail(view: &ConflictView, theme: Theme, frame: &mut Frame, area: Rect) {
    let Some(d) = view.conflicts.get(view.cursor) else {
        return;
    };
    let side = |label: &'static str, v: &crate::workbook::SideValue| {
        let who = v.who_when();
        let mut spans = vec![Span::styled(label, theme.dim()), Span::raw(v.text(400))];
        if !who.is_empty() {
            spans.push(Span::styled(format!("  ({who})"), theme.dim()));
        }
        Line::from(spans)
    };
    let text = vec![side("Ours:   ", &d.ours), side("Theirs: ", &d.theirs)];
    let title = format!(
        " {} of {}: {} {} ",
        view.cursor + 1,
        view.conflicts.len(),
        crate::device::fields::printable(&d.subject),
        d.field
    );
    frame.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::TOP)
                .border_style(theme.border())
                .title(title),
        ),
        area,
    );
}

/// Opens the conflict view on the terminal for `conflicts` of merging `other` and returns the
/// choices (one per conflict), or `None` when cancelled (Esc, Ctrl-C or a signal). The terminal
/// is restored before returning, also on error.
///
/// Errors: `NotATerminal`, `Terminal`.
pub fn choose(other: &str, conflicts: &[FieldDiff]) -> Result<Option<Vec<Side>>, TuiError> {
    use std::io::IsTerminal;
    if !stdout().is_terminal() || !stdin().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    let stop = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    let mut view = ConflictView::new(other, conflicts);
    let guard = TerminalGuard::enter(false)?;
    // Not dropped: see `event_loop` in the TUI (the guard restores the cursor).
    let mut terminal = ManuallyDrop::new(Terminal::new(CrosstermBackend::new(stdout()))?);
    let theme = Theme::from_env();
    let result = (|| -> Result<Option<Vec<Side>>, TuiError> {
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            let size = terminal.size()?;
            view.set_page(usize::from(size.height.saturating_sub(10)));
            terminal.draw(|frame| render(&view, theme, frame))?;
            if !event::poll(Duration::from_millis(200))? {
                continue;
            }
            if let Event::Key(key) = event::read()?
                && let Some(action) = action_for(&key)
            {
                view.update(action);
            }
            match view.outcome() {
                Some(ConflictOutcome::Apply(c)) => return Ok(Some(c.clone())),
                Some(ConflictOutcome::Cancel) => return Ok(None),
                None => {}
            }
        }
    })();
    drop(guard);
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use ratatui::backend::TestBackend;
    use serde_json::Value;

    use super::*;
    use crate::workbook::SideValue;

    fn conflict(subject: &str, field: &str, ours: &str, theirs: &str) -> FieldDiff {
        let side = |v: &str, by: &str, at: &str| SideValue {
            value: if v.is_empty() {
                Value::Null
            } else {
                Value::from(v)
            },
            by: by.to_string(),
            at: at.to_string(),
        };
        FieldDiff {
            entity: "answer".into(),
            key: format!("answer:{subject}"),
            subject: subject.into(),
            control: None,
            field: field.into(),
            ours: side(ours, "Alice", "2026-03-02T09:15:00Z"),
            theirs: side(theirs, "Bob", "2026-03-02T10:40:00Z"),
        }
    }

    /// The first `n` of four conflicts (the last with a field name longer than 14 characters).
    fn sample_of(n: usize) -> ConflictView {
        ConflictView::new(
            "bob.medsec",
            &[
                conflict("DEV-0001 ENC-01", "response", "No", "Yes"),
                conflict(
                    "DEV-0001 ENC-01",
                    "note",
                    "Disk not encrypted; vendor letter 2025-11 says a patch is planned",
                    "BitLocker on, checked on the service screen",
                ),
                conflict("DEV-0004", "room", "ICU 2", ""),
                conflict(
                    "DEV-0007",
                    "network_services",
                    "443/tcp https",
                    "443/tcp https, 22/tcp ssh",
                ),
            ][..n],
        )
    }

    fn sample() -> ConflictView {
        sample_of(3)
    }

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn draw(view: &ConflictView, w: u16, h: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| render(view, Theme::monochrome(), f))
            .unwrap();
        terminal.backend().to_string()
    }

    #[test]
    fn keys_choose_one_or_all_and_enter_waits_for_every_choice() {
        let mut v = sample();
        let press = |v: &mut ConflictView, c: KeyCode| {
            v.update(action_for(&key(c)).unwrap());
        };
        press(&mut v, KeyCode::Char('t'));
        assert_eq!(v.choices(), &[Some(Side::Theirs), None, None]);
        assert_eq!(v.cursor(), 1);
        press(&mut v, KeyCode::Enter);
        assert_eq!(v.outcome(), None);
        assert_eq!(v.cursor(), 1, "Enter goes to the first conflict still open");
        press(&mut v, KeyCode::Char('o'));
        press(&mut v, KeyCode::Enter);
        assert_eq!(v.outcome(), None);
        press(&mut v, KeyCode::Char('o'));
        press(&mut v, KeyCode::Enter);
        assert_eq!(
            v.outcome(),
            Some(&ConflictOutcome::Apply(vec![
                Side::Theirs,
                Side::Ours,
                Side::Ours
            ]))
        );
        let mut v = sample();
        press(&mut v, KeyCode::Char('T'));
        press(&mut v, KeyCode::Up);
        press(&mut v, KeyCode::Char('o'));
        press(&mut v, KeyCode::Enter);
        assert_eq!(
            v.outcome(),
            Some(&ConflictOutcome::Apply(vec![
                Side::Ours,
                Side::Theirs,
                Side::Theirs
            ]))
        );
        let mut v = sample();
        press(&mut v, KeyCode::Char('O'));
        press(&mut v, KeyCode::Esc);
        assert_eq!(v.outcome(), Some(&ConflictOutcome::Cancel));
        // Releases are ignored.
        let mut release = key(KeyCode::Char('t'));
        release.kind = KeyEventKind::Release;
        assert_eq!(action_for(&release), None);
    }

    #[test]
    fn the_view_at_80x24_and_wide() {
        let mut v = sample_of(4);
        insta::assert_snapshot!("merge_view_80x24", draw(&v, 80, 24));
        v.update(ConflictAction::Theirs);
        v.update(ConflictAction::Apply);
        insta::assert_snapshot!("merge_view_chosen_80x24", draw(&v, 80, 24));
        insta::assert_snapshot!("merge_view_chosen_160x40", draw(&v, 160, 40));
    }
}
