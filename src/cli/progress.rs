//! The progress bar of long imports and exports: on stderr, drawn only when stderr and stdout
//! are both terminals (never in a pipe, a redirect or a script), and cleared before anything
//! else is printed — also when the command fails.

use std::borrow::Cow;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};

use crate::progress::{Progress, Stage};

/// How often the spinner turns while a stage reports nothing (saving, parsing).
const TICK: Duration = Duration::from_millis(120);

/// A progress bar for one file, or nothing when output is not for a person at a terminal.
pub(super) struct Bar {
    bar: Option<ProgressBar>,
    /// The units of the current stage, until its first update turns the spinner into a bar.
    pending: Option<Units>,
}

/// What a stage counts, which decides how the bar looks.
#[derive(Clone, Copy)]
enum Units {
    Bytes,
    Rows,
    None,
}

impl Bar {
    /// A bar naming `file` (its last path component), spinning until the first stage starts.
    /// Nothing is drawn unless both stderr and stdout are terminals (and `TERM` is not `dumb`).
    pub(super) fn for_file(file: &std::path::Path) -> Bar {
        if !(std::io::stderr().is_terminal() && std::io::stdout().is_terminal()) {
            return Bar {
                bar: None,
                pending: None,
            };
        }
        let name: Cow<'_, str> = file
            .file_name()
            .map_or_else(|| file.to_string_lossy(), |n| n.to_string_lossy());
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
            .with_finish(ProgressFinish::AndClear)
            .with_prefix(name.into_owned())
            .with_message("preparing");
        bar.set_style(style(Units::None));
        bar.enable_steady_tick(TICK);
        Bar {
            bar: Some(bar),
            pending: None,
        }
    }

    /// Removes the bar from the terminal (dropping it does the same).
    pub(super) fn clear(self) {
        drop(self);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn stage(&mut self, stage: Stage) {
        let Some(bar) = &self.bar else {
            return;
        };
        let (verb, units) = match stage {
            Stage::Reading => ("reading", Units::Bytes),
            Stage::Parsing => ("reading the rows of", Units::None),
            Stage::Writing => ("writing", Units::Rows),
            Stage::Saving => ("compressing", Units::None),
            Stage::Checking => ("checking", Units::Rows),
        };
        // A spinner until the stage's first update gives its total.
        bar.set_style(style(Units::None));
        bar.set_message(verb);
        bar.unset_length();
        bar.set_position(0);
        bar.reset_eta();
        bar.reset_elapsed();
        self.pending = Some(units);
    }

    fn update(&mut self, done: u64, total: u64) {
        if let Some(bar) = &self.bar {
            if let Some(units) = self.pending.take() {
                bar.set_style(style(units));
            }
            if bar.length() != Some(total) {
                bar.set_length(total);
            }
            bar.set_position(done);
        }
    }
}

/// The look of a stage: a bar with bytes or rows, or a spinner with the time spent.
fn style(units: Units) -> ProgressStyle {
    let template = match units {
        Units::Bytes => "{spinner} {msg} {prefix} [{bar:30}] {bytes}/{total_bytes}",
        Units::Rows => "{spinner} {msg} {prefix} [{bar:30}] {human_pos}/{human_len} rows",
        Units::None => "{spinner} {msg} {prefix} ({elapsed})",
    };
    // The templates are ours and valid; should one not be, the default bar still works.
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
        .tick_chars("|/-\\ ")
}
