//! Panics inside third-party readers and writers (calamine on a hostile file, rust_xlsxwriter on
//! a full disk) become errors, without a panic message on the terminal.
//!
//! [`install_hook`] replaces the panic report with one line (and keeps the previous hook's
//! work, e.g. the TUI restoring the terminal); [`quietly`] runs a closure with the report
//! suppressed on this thread and returns the panic as `Err`.

use std::cell::Cell;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Installs the process's panic hook: silent inside [`quietly`], otherwise one line on stderr
/// ("medsec: internal error: … at file:line; please report it").
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        if QUIET.with(Cell::get) {
            return;
        }
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        // Not `eprintln!`: it panics when stderr is gone (a closed terminal), which would abort
        // inside the panic hook.
        let _ = writeln!(
            std::io::stderr(),
            "medsec: internal error: {what}{at}; please report it"
        );
    }));
}

/// Runs `f`; a panic inside it is returned as `Err` with its message, and not reported.
pub fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let before = QUIET.with(|q| q.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(before));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error() {
        let r: Result<(), String> = quietly(|| panic!("disk full"));
        assert_eq!(r, Err("disk full".to_string()));
        assert_eq!(quietly(|| 7), Ok(7));
    }
}
