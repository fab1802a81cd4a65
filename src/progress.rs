//! Progress of long library operations — reading an import file, writing and checking an export
//! — reported to whoever shows it. The library never draws: the CLI turns these calls into a bar
//! on stderr, and every operation also runs unwatched ([`NoProgress`]) with the same result.

use std::io::{self, Read};

/// What a long operation is doing. Stages with units report them through
/// [`Progress::update`]; the others run without updates (a watcher shows them as busy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the input file; units: bytes read, of the file's size.
    Reading,
    /// Making sense of a file already read (a spreadsheet's sheets and cells); no units.
    Parsing,
    /// Writing the output's rows; units: rows written, of the rows the export has to write.
    Writing,
    /// Compressing the written sheets into the output file; no units.
    Saving,
    /// Reading the output back to check it; units: rows read back.
    Checking,
}

/// Watches one long operation.
///
/// The operation calls [`stage`](Progress::stage) when a stage starts (in the order the
/// operation documents, each stage once), then [`update`](Progress::update) with `done` of
/// `total` units of that stage: `total` stays the same for the whole stage, `done` never
/// decreases and never passes `total`, and a stage that completes ends with `done == total`.
/// An operation that fails stops calling. Calls can be frequent (every read or every row), so
/// keep them cheap.
pub trait Progress {
    /// A stage starts. The default ignores it.
    fn stage(&mut self, stage: Stage) {
        let _ = stage;
    }

    /// `done` of `total` units of the current stage are finished.
    fn update(&mut self, done: u64, total: u64);
}

/// Nobody watching: what the operations without a `_with_progress` suffix use.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&mut self, _done: u64, _total: u64) {}
}

/// A closure `FnMut(done, total)` watches the updates and ignores the stages.
impl<F: FnMut(u64, u64)> Progress for F {
    fn update(&mut self, done: u64, total: u64) {
        self(done, total);
    }
}

/// A reader that reports the bytes read so far, of `total` (the file's size in bytes), after
/// every read. `done` is capped at `total` (a file that grew while being read), and the end of
/// the input reports `done == total` once (also for a file that shrank).
pub struct ProgressReader<'p, R> {
    inner: R,
    done: u64,
    total: u64,
    ended: bool,
    progress: &'p mut dyn Progress,
}

impl<'p, R: Read> ProgressReader<'p, R> {
    /// Wraps `inner`, whose size is `total` bytes.
    pub fn new(inner: R, total: u64, progress: &'p mut dyn Progress) -> Self {
        ProgressReader {
            inner,
            done: 0,
            total,
            ended: false,
            progress,
        }
    }
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            if !self.ended {
                self.ended = true;
                self.progress.update(self.total, self.total);
            }
        } else if n > 0 {
            self.done = self.done.saturating_add(n as u64);
            self.progress.update(self.done.min(self.total), self.total);
        }
        Ok(n)
    }
}

/// Records every call and checks them against the [`Progress`] contract, for tests.
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    /// The stages, in the order they started.
    pub(crate) stages: Vec<Stage>,
    /// Every update: the stage it came in (`None` before the first) and `(done, total)`.
    pub(crate) updates: Vec<(Option<Stage>, u64, u64)>,
}

#[cfg(test)]
impl Recorder {
    /// Checks the contract: per stage a fixed total, `done` increasing up to it and, for a stage
    /// with updates, ending at it. Returns the last update of each stage that had any.
    pub(crate) fn check(&self) -> Result<Vec<(Stage, u64)>, String> {
        let mut ends = Vec::new();
        for &stage in &self.stages {
            let ups: Vec<(u64, u64)> = self
                .updates
                .iter()
                .filter(|(s, _, _)| *s == Some(stage))
                .map(|&(_, d, t)| (d, t))
                .collect();
            let Some(&(last, total)) = ups.last() else {
                continue;
            };
            if ups.iter().any(|&(d, t)| t != total || d > t) {
                return Err(format!("{stage:?}: total changed or passed: {ups:?}"));
            }
            if ups.windows(2).any(|w| w[0].0 > w[1].0) {
                return Err(format!("{stage:?}: done decreased: {ups:?}"));
            }
            if last != total {
                return Err(format!("{stage:?}: ended at {last} of {total}"));
            }
            ends.push((stage, total));
        }
        if self.updates.iter().any(|(s, _, _)| s.is_none()) {
            return Err("an update came before any stage".into());
        }
        Ok(ends)
    }
}

#[cfg(test)]
impl Progress for Recorder {
    fn stage(&mut self, stage: Stage) {
        self.stages.push(stage);
    }

    fn update(&mut self, done: u64, total: u64) {
        let stage = self.stages.last().copied();
        self.updates.push((stage, done, total));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reports_increasing_bytes_ending_at_the_size() -> io::Result<()> {
        let data = vec![7u8; 10_000];
        let mut seen: Vec<(u64, u64)> = Vec::new();
        let mut record = |done, total| seen.push((done, total));
        let mut reader = ProgressReader::new(&data[..], 10_000, &mut record);
        let mut chunk = [0u8; 3_000];
        let mut out = Vec::new();
        loop {
            let n = reader.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        assert_eq!(reader.read(&mut chunk)?, 0);
        assert_eq!(out, data);
        assert_eq!(
            seen,
            [
                (3_000, 10_000),
                (6_000, 10_000),
                (9_000, 10_000),
                (10_000, 10_000),
                (10_000, 10_000)
            ]
        );
        Ok(())
    }

    #[test]
    fn a_file_that_changed_size_still_ends_at_the_total() -> io::Result<()> {
        let data = vec![1u8; 500];
        for size in [300u64, 800] {
            let mut seen: Vec<(u64, u64)> = Vec::new();
            let mut record = |done, total| seen.push((done, total));
            let mut reader = ProgressReader::new(&data[..], size, &mut record);
            io::copy(&mut reader, &mut io::sink())?;
            assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
            assert!(seen.iter().all(|&(d, t)| d <= t && t == size), "{seen:?}");
            assert_eq!(seen.last(), Some(&(size, size)));
        }
        Ok(())
    }
}
