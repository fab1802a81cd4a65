//! Writing results to stdout without panicking when the reader goes away (`medsec ... | head`).

use std::io::Write;

use super::error::CliError;

/// Exit code when stdout is closed early: 128 + SIGPIPE, as shells report it.
pub const BROKEN_PIPE: i32 = 141;

/// Writes formatted text to stdout. A closed pipe ends the command quietly with
/// [`BROKEN_PIPE`]; any other write error is a general error.
pub fn write(args: std::fmt::Arguments<'_>) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args).map_err(stdout_error)
}

/// Writes bytes to stdout and flushes them, with the errors of [`write`].
pub fn write_bytes(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

fn stdout_error(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        CliError {
            code: BROKEN_PIPE,
            message: String::new(),
        }
    } else {
        CliError::general(format!("cannot write to standard output: {e}"))
    }
}

/// `say!("...")`: like `println!`, through [`write`], returning early on failure.
macro_rules! say {
    () => {
        $crate::cli::output::write(format_args!("\n"))?
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

/// `say_raw!("...")`: like `print!`, through [`write`].
macro_rules! say_raw {
    ($($arg:tt)*) => {
        $crate::cli::output::write(format_args!($($arg)*))?
    };
}

pub(crate) use {say, say_raw};
