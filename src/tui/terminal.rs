//! Taking over the terminal and giving it back. [`TerminalGuard::enter`] switches to raw mode
//! and the alternate screen and turns on bracketed paste, mouse capture and (where the terminal
//! supports it) unambiguous key reporting; [`restore`] undoes all five. It runs when the guard is
//! dropped (normal exit and errors) and, through a chained panic hook, before the previous panic
//! hook reports a panic, so the message lands on a usable terminal.

use std::io::{self, Write, stdout};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    KeyboardEnhancementFlags, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
    supports_keyboard_enhancement,
};
use ratatui::crossterm::{cursor, execute};

/// The TUI has the terminal (so `restore` has something to undo).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Keyboard enhancement flags were pushed.
static ENHANCED: AtomicBool = AtomicBool::new(false);
/// Mouse capture is on.
static MOUSE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Holds the terminal in TUI mode; dropping it restores the terminal.
#[derive(Debug)]
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    /// Takes over the terminal. On failure, whatever was already switched on is switched off
    /// again before the error is returned.
    pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
        install_panic_hook();
        ACTIVE.store(true, Ordering::SeqCst);
        let guard = TerminalGuard { _private: () };
        enable_raw_mode()?;
        let mut out = stdout();
        execute!(out, EnterAlternateScreen, EnableBracketedPaste)?;
        if mouse {
            execute!(out, EnableMouseCapture)?;
            MOUSE.store(true, Ordering::SeqCst);
        }
        // Unambiguous escape codes: Esc arrives at once and Ctrl/Alt combinations are reported
        // faithfully. Releases are not asked for (and ignored anyway).
        if supports_keyboard_enhancement().unwrap_or(false) {
            execute!(
                out,
                PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
            )?;
            ENHANCED.store(true, Ordering::SeqCst);
        }
        Ok(guard)
    }

    /// Turns mouse capture on or off.
    pub fn set_mouse(&mut self, on: bool) -> io::Result<()> {
        let mut out = stdout();
        if on {
            execute!(out, EnableMouseCapture)?;
        } else {
            execute!(out, DisableMouseCapture)?;
        }
        MOUSE.store(on, Ordering::SeqCst);
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Gives the terminal back: raw mode off, keyboard enhancement popped, mouse capture and
/// bracketed paste off, the main screen back and the cursor shown. Does nothing when the TUI does
/// not hold the terminal, so it is safe to call twice (panic hook, then the guard's drop).
/// Errors are ignored: there is nowhere to report them and every step is still attempted.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let _ = disable_raw_mode();
    let mut out = stdout();
    if ENHANCED.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = out.flush();
}

/// Chains a panic hook that restores the terminal first and then runs the previous hook (which
/// prints the message). Installed once per process.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
