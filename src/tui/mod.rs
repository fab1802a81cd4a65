//! The terminal user interface: a thin front end over the library.
//!
//! How it is built (STYLE.md): every user-visible operation is an [`Action`]; the keymap
//! (`assets/keymap.toml`, one section per screen) maps keys to actions, and the help overlay and
//! hint bar are generated from it; [`update`] is the only code that changes the [`App`] state,
//! and [`render`] only reads it, so every screen can be drawn into ratatui's `TestBackend` in
//! tests. Files: `app` (state, update, the actions every screen shares: help, palette, undo,
//! redo, theme, mouse), `screens/` (Devices with `device_list` for search, filters, sort and
//! marks; Checklist and its `detail` pane; the Walkthrough; the Dashboard; Findings; `bulk`
//! answers), `popups/` (help, text popups for notes, deferrals, owners and due dates, the
//! device form, questions, choices, the command palette, filters), `widgets/` (columns, status
//! line, hint bar, text field, message), `keymap` and `key` (keys as data, a user file merged
//! over the defaults), `action`, `answer` (which target an answer is stored on), `burst`
//! (telling pastes from typing), `text` (escaping and widths), `layout`, `theme` (`NO_COLOR`,
//! high contrast), `terminal` (taking over and restoring the terminal).

pub mod action;
mod answer;
pub mod app;
pub mod burst;
pub mod key;
pub mod keymap;
pub mod layout;
pub mod merge_view;
pub mod opening;
mod popups;
pub mod render;
mod screens;
pub mod terminal;
pub mod text;
pub mod theme;
mod widgets;

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_screens;

use std::collections::VecDeque;
use std::io::{IsTerminal, stdin, stdout};
use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long after the last key a note being typed is saved (PRODUCT.md "Saving").
pub const AUTOSAVE_AFTER: Duration = Duration::from_millis(500);

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
    /// The terminal went away (the window was closed, an SSH link dropped); every answer given
    /// was already committed (exit 130).
    #[error("the terminal was closed; every answer given was already saved")]
    HungUp,
    /// Opening the workbook failed inside medsec (a bug): the message of the panic.
    #[error("internal error while opening the workbook: {0}; please report it")]
    Internal(String),
}

/// Waits up to `wait` for input on the terminal; `true` when the terminal has hung up (or
/// closed), so that reading it would never return. crossterm's reader loops forever on a
/// closed terminal (crossterm-rs/crossterm#793), so this is checked before every read.
#[cfg(unix)]
fn terminal_gone(wait: Duration) -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let stdin = stdin();
    let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: i64::try_from(wait.as_nanos()).unwrap_or(0).min(999_999_999),
    };
    match poll(&mut fds, Some(&timeout)) {
        Ok(_) => fds[0]
            .revents()
            .intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL),
        Err(_) => false,
    }
}

#[cfg(not(unix))]
fn terminal_gone(wait: Duration) -> bool {
    let _ = wait;
    false
}

/// Runs the TUI on an open workbook until the user quits, with the built-in keymap and colours
/// unless `NO_COLOR` is set. The terminal is restored on every exit path (including panics).
///
/// The caller opens the workbook first (passphrase prompt, lock) and maps the error to one
/// line and exit code 1. Errors: [`TuiError`].
pub fn run(workbook: Workbook) -> Result<(), TuiError> {
    let (keymap, warning) = user_keymap();
    let keymap = match keymap {
        Some(k) => k,
        None => Keymap::built_in()?,
    };
    run_inner(workbook, keymap, Theme::from_env(), warning)
}

/// Where the user keymap is read from: `MEDSEC_KEYMAP` when set, else `keymap.toml` in the
/// config directory (`~/.config/medsec/` on Linux, `~/Library/Application Support/medsec/` on
/// macOS, `%APPDATA%\medsec\config\` on Windows).
pub fn user_keymap_path() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("MEDSEC_KEYMAP").filter(|p| !p.is_empty()) {
        return Some(p.into());
    }
    directories::ProjectDirs::from("", "", "medsec").map(|d| d.config_dir().join("keymap.toml"))
}

/// The built-in keymap merged with the user's file when there is one. An unreadable or
/// invalid user file is not fatal: the defaults are used and the returned warning (shown on
/// the status line at start) says what is wrong.
pub fn user_keymap() -> (Option<Keymap>, Option<String>) {
    match user_keymap_path() {
        Some(path) => user_keymap_from(&path),
        None => (None, None),
    }
}

/// Like [`user_keymap`] for a given file: `(None, None)` when it does not exist.
pub fn user_keymap_from(path: &std::path::Path) -> (Option<Keymap>, Option<String>) {
    let text = match std::fs::read(path) {
        Ok(bytes) if bytes.len() > 1 << 20 => {
            return (
                None,
                Some(format!(
                    "{}: over 1 MB, not a keymap; using the default keys",
                    path.display()
                )),
            );
        }
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                return (
                    None,
                    Some(format!(
                        "{}: not UTF-8 text; using the default keys",
                        path.display()
                    )),
                );
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (None, None),
        Err(e) => {
            return (
                None,
                Some(format!("{}: {e}; using the default keys", path.display())),
            );
        }
    };
    match Keymap::load(Some(&text)) {
        Ok(k) => (Some(k), None),
        Err(e) => {
            let one_line = e.to_string().replace(['\n', '\r'], " ");
            (
                None,
                Some(format!(
                    "{}: {one_line} — using the default keys",
                    path.display()
                )),
            )
        }
    }
}

/// Like [`run`] with a given keymap (e.g. `Keymap::load(Some(user_file_text))`) and theme.
pub fn run_with(workbook: Workbook, keymap: Keymap, theme: Theme) -> Result<(), TuiError> {
    run_inner(workbook, keymap, theme, None)
}

fn run_inner(
    workbook: Workbook,
    keymap: Keymap,
    theme: Theme,
    warning: Option<String>,
) -> Result<(), TuiError> {
    if !stdout().is_terminal() || !stdin().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    // The devices are read before taking the terminal, so a read error is reported on a
    // normal screen; the answers are read on a thread while the first frame is up.
    let opening = opening::Opening::start(workbook, keymap, theme)?;
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
    let _watchdog = Watchdog::start(Arc::clone(&stop));
    // A small workbook is ready at once: its first frame is the app's, with nothing interim.
    let opening = if opening.wait_briefly() {
        Opening::Ready(Box::new(opening.finish()?))
    } else {
        Opening::Reading(opening)
    };
    // Mouse capture starts on (`App::mouse_capture` until the user turns it off).
    let mut guard = TerminalGuard::enter(true)?;
    let result = event_loop(opening, warning, &mut guard, &stop);
    drop(guard);
    match result {
        // A terminal that has gone away (hang-up) fails to draw: the signal says why.
        Err(_) if stop.load(Ordering::Relaxed) => Err(TuiError::Interrupted),
        other => other,
    }
}

/// `first` and, when it is a typed character, the events that follow it within [`burst::GAP`]
/// of each other: characters arriving faster than anyone types (a paste without bracketed
/// paste, a barcode scanner) are handled as pasted text, never as key bindings.
fn read_burst(first: event::Event) -> Result<Vec<event::Event>, TuiError> {
    let mut events = vec![first];
    if burst::starts(&events[0]) {
        while events.len() < burst::MAX
            && !terminal_gone(burst::GAP)
            && event::poll(Duration::ZERO)?
        {
            events.push(event::read()?);
        }
    }
    Ok(events)
}

/// Turns events into actions (a burst of characters into one paste) and applies them; an
/// action that commits shows "saving…" first.
fn handle_events(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    app: &mut App,
    events: Vec<event::Event>,
) -> Result<(), TuiError> {
    for item in burst::group(events) {
        let action = match item {
            burst::Item::Event(e) => app.action_for_event(&e),
            burst::Item::Paste(text) => app.action_for_paste(&text),
        };
        let Some(action) = action else {
            continue;
        };
        if app.will_commit(&action) {
            app.save = SaveState::Saving;
            terminal.draw(|frame| render(app, frame))?;
        }
        update(app, action);
        if app.should_quit() {
            break;
        }
    }
    Ok(())
}

/// After a signal, how long the event loop has to stop before [`Watchdog`] ends the process.
const SIGNAL_GRACE: Duration = Duration::from_secs(2);

/// Ends the process (exit 130) when a signal came and the event loop has not stopped within
/// [`SIGNAL_GRACE`]. Once the terminal is gone (an SSH connection dropped, a terminal window
/// closed), crossterm's `event::poll` re-reads the end of input for ever and never returns
/// (crossterm-rs/crossterm#793), so the loop would never see the signal's flag: the process
/// would spin on a core and keep the workbook locked. Every answer is already committed; the
/// terminal is restored as far as it still can be. Dropping the watchdog (when the TUI ends)
/// stops it.
struct Watchdog {
    done: Arc<AtomicBool>,
}

impl Watchdog {
    fn start(stop: Arc<AtomicBool>) -> Watchdog {
        let done = Arc::new(AtomicBool::new(false));
        let finished = Arc::clone(&done);
        // Without the thread the TUI still works; only this safety net would be missing.
        let _ = std::thread::Builder::new()
            .name("medsec-watchdog".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if finished.load(Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                std::thread::sleep(SIGNAL_GRACE);
                if !finished.load(Ordering::Relaxed) {
                    terminal::restore();
                    std::process::exit(130);
                }
            });
        Watchdog { done }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

/// The app, or the workbook still being read behind the interim frame.
enum Opening {
    Ready(Box<App>),
    Reading(opening::Opening),
}

/// Events that arrived while the workbook was read, burst by burst as they came.
type Kept = VecDeque<Vec<event::Event>>;

/// Draws the interim frame until the app is ready, keeping every event that arrives meanwhile
/// (keys, a paste, a resize) in order, to be handled by the app; `None` when the user quit
/// first. A signal, a closed terminal, or a quit key pressed before any other key stops the
/// reading at once (keys already kept are not dropped: a quit after them is kept too).
fn wait_for_app(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    opening: opening::Opening,
    stop: &AtomicBool,
) -> Result<Option<(App, Kept)>, TuiError> {
    let mut kept: Kept = VecDeque::new();
    terminal.draw(|frame| opening.render(frame))?;
    while !opening.is_ready() {
        if stop.load(Ordering::Relaxed) {
            opening.cancel();
            return Err(TuiError::Interrupted);
        }
        if terminal_gone(Duration::from_millis(20)) {
            opening.cancel();
            return Err(TuiError::HungUp);
        }
        let is_resize = |e: &event::Event| matches!(e, event::Event::Resize(..));
        let mut redraw = false;
        while event::poll(Duration::ZERO)? {
            let batch = read_burst(event::read()?)?;
            let nothing_typed = kept.iter().flatten().all(is_resize);
            if nothing_typed && batch.len() == 1 && batch.iter().all(|e| opening.quits(e)) {
                opening.cancel();
                return Ok(None);
            }
            redraw |= batch.iter().any(is_resize);
            kept.push_back(batch);
        }
        if redraw {
            terminal.draw(|frame| opening.render(frame))?;
        }
    }
    Ok(Some((opening.finish()?, kept)))
}

fn event_loop(
    opening: Opening,
    warning: Option<String>,
    guard: &mut TerminalGuard,
    stop: &AtomicBool,
) -> Result<(), TuiError> {
    // No `terminal.clear()`: it asks the terminal for the cursor position, which some
    // terminals (serial consoles, some SSH clients) never answer; the alternate screen is blank.
    // Never dropped: ratatui's `Terminal` shows the cursor on drop and `eprintln!`s when that
    // fails, which panics once the terminal (and stderr with it) is gone. The guard's
    // `restore` shows the cursor; the buffers go with the process.
    let mut terminal = ManuallyDrop::new(Terminal::new(CrosstermBackend::new(stdout()))?);
    let (mut app, mut kept) = match opening {
        Opening::Ready(app) => (*app, VecDeque::new()),
        Opening::Reading(opening) => match wait_for_app(&mut terminal, opening, stop)? {
            Some(ready) => ready,
            None => return Ok(()),
        },
    };
    let app = &mut app;
    if let Some(w) = warning {
        app.notice("Your keymap file has a mistake", w);
    }
    let size = terminal.size()?;
    app.set_size(size.width, size.height);
    let mut mouse = app.mouse_capture();
    let mut last_input = Instant::now();
    while !app.should_quit() {
        if stop.load(Ordering::Relaxed) {
            return Err(TuiError::Interrupted);
        }
        terminal.draw(|frame| render(app, frame))?;
        // Events kept while the workbook was being read come first, batch by batch as they
        // arrived.
        let events = match kept.pop_front() {
            Some(batch) => batch,
            None => {
                let event = loop {
                    if stop.load(Ordering::Relaxed) {
                        return Err(TuiError::Interrupted);
                    }
                    let waited = Instant::now();
                    if terminal_gone(Duration::from_millis(100)) {
                        return Err(TuiError::HungUp);
                    }
                    if event::poll(Duration::ZERO)? {
                        break Some(event::read()?);
                    }
                    // Input the terminal holds that crossterm does not report (the rest of a
                    // long paste past its read buffer waits for the next key) makes the wait
                    // return at once: pause rather than spin a core.
                    if waited.elapsed() < Duration::from_millis(5) {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    // A note being typed is saved after a pause, not only when it is closed.
                    if app.autosave_due() && last_input.elapsed() >= AUTOSAVE_AFTER {
                        break None;
                    }
                };
                let Some(event) = event else {
                    app.autosave();
                    continue;
                };
                last_input = Instant::now();
                read_burst(event)?
            }
        };
        handle_events(&mut terminal, app, events)?;
        if app.mouse_capture() != mouse {
            mouse = app.mouse_capture();
            guard.set_mouse(mouse)?;
        }
    }
    Ok(())
}
