//! `medsec completions SHELL`: a completion script generated from the clap definitions (the same
//! [`command`](super::command) that parses the arguments, so the two cannot drift apart).

use clap_complete::Shell;

use super::error::CliError;
use super::output::write_bytes;

/// Prints the completion script for `shell` to stdout. Path arguments complete as files.
///
/// Errors: stdout closed ([`BROKEN_PIPE`](super::output::BROKEN_PIPE)) or not writable.
pub(super) fn run(shell: Shell) -> Result<(), CliError> {
    let mut cmd = super::command();
    // Generated in memory first: clap_complete panics when its writer fails (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "medsec", &mut script);
    write_bytes(&script)
}
