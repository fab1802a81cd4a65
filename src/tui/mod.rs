//! The terminal user interface: a thin front end over the library.
//!
//! How it is built (STYLE.md): every user-visible operation is an [`Action`]; the keymap
//! (`assets/keymap.toml`, one section per screen) maps keys to actions, and the help overlay and
//! hint bar are generated from it; [`update`] is the only code that changes the [`App`] state,
//! and [`render`] only reads it, so every screen can be drawn into ratatui's `TestBackend` in
//! tests. Files: `app` (state and update), `screens/` (Devices, Checklist and its detail pane),
//! `popups/` (help, note), `widgets/` (columns, status line, hint bar), `keymap`, `action`,
//! `answer` (which target an answer is stored on), `text` (escaping and widths), `layout`,
//! `theme` (`NO_COLOR`), `terminal` (taking over and restoring the terminal).

pub mod action;
mod answer;
pub mod app;
pub mod key;
pub mod keymap;
pub mod layout;
mod popups;
pub mod render;
mod screens;
pub mod terminal;
pub mod text;
pub mod theme;
mod widgets;

#[cfg(test)]
mod tests;

use std::io::{IsTerminal, stdin, stdout};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[cfg(unix)]
use signal_hook::consts::{SIGHUP, SIGQUIT};
use signal_hook::consts::{SIGINT, SIGTERM};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event;

pub use action::Action;
pub use app::{App, SaveState, Screen, update};
pub use keymap::{Keymap, KeymapError};
pub use render::render;
pub use theme::Theme;

use crate::workbook::{Workbook, WorkbookError};
use terminal::TerminalGuard;

/// Why the TUI could not start or had to stop. Answers already given are committed either way.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// stdin or stdout is not a terminal (a pipe, a file, a script).
    #[error("the TUI needs a terminal; in scripts use commands such as `medsec device list`")]
    NotATerminal,
    /// The terminal could not be set up, read or drawn to.
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    /// Reading the workbook failed.
    #[error(transparent)]
    Workbook(#[from] WorkbookError),
    /// The keymap is invalid.
    #[error(transparent)]
    Keymap(#[from] KeymapError),
    /// A signal (SIGTERM, SIGHUP, SIGINT, SIGQUIT) ended the session; every answer given was
    /// already committed (exit 130).
    #[error("interrupted by a signal; every answer given was already saved")]
    Interrupted,
}

/// Runs the TUI on an open workbook until the user quits, with the built-in keymap and colours
/// unless `NO_COLOR` is set. The terminal is restored on every exit path (including panics).
///
/// The caller opens the workbook first (passphrase prompt, lock) and maps the error to one
/// line and exit code 1. Errors: [`TuiError`].
pub fn run(workbook: Workbook) -> Result<(), TuiError> {
    run_with(workbook, Keymap::built_in()?, Theme::from_env())
}

/// Like [`run`] with a given keymap (e.g. `Keymap::load(Some(user_file_text))`) and theme.
pub fn run_with(workbook: Workbook, keymap: Keymap, theme: Theme) -> Result<(), TuiError> {
    if !stdout().is_terminal() || !stdin().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    // Load before taking the terminal, so a read error is reported on a normal screen.
    let mut app = App::new(workbook, keymap, theme)?;
    // A signal sets this flag; the loop then leaves through the guard, which restores the
    // terminal (a default handler would end the process with the terminal still raw).
    let stop = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    let signals = [SIGTERM, SIGINT, SIGHUP, SIGQUIT];
    #[cfg(not(unix))]
    let signals = [SIGTERM, SIGINT];
    for signal in signals {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    let mut guard = TerminalGuard::enter(app.mouse_capture())?;
    let result = event_loop(&mut app, &mut guard, &stop);
    drop(guard);
    result
}

fn event_loop(app: &mut App, guard: &mut TerminalGuard, stop: &AtomicBool) -> Result<(), TuiError> {
    // No `terminal.clear()`: it asks the terminal for the cursor position, which some
    // terminals (serial consoles, some SSH clients) never answer; the alternate screen is blank.
    let mut terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    let size = terminal.size()?;
    app.set_size(size.width, size.height);
    let mut mouse = app.mouse_capture();
    while !app.should_quit() {
        terminal.draw(|frame| render(app, frame))?;
        let event = loop {
            if stop.load(Ordering::Relaxed) {
                return Err(TuiError::Interrupted);
            }
            if event::poll(Duration::from_millis(200))? {
                break event::read()?;
            }
        };
        let Some(action) = app.action_for_event(&event) else {
            continue;
        };
        if app.will_commit(&action) {
            app.save = SaveState::Saving;
            terminal.draw(|frame| render(app, frame))?;
        }
        update(app, action);
        if app.mouse_capture() != mouse {
            mouse = app.mouse_capture();
            guard.set_mouse(mouse)?;
        }
    }
    Ok(())
}
