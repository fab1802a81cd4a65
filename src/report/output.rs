//! Putting a report file in place: the output name is checked first (a report replaces only an
//! earlier medsec report), the text is written to an owner-only temporary file next to the
//! output, flushed, read back and compared, and only then renamed over the output. The
//! temporary file is removed on every failure.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::{GENERATOR, ReportError, ReportFormat};

/// How much of an existing file is read to recognise an earlier report.
const SNIFF_BYTES: u64 = 4096;

/// Refuses an output that is a folder, has the wrong extension for `format`, or is an existing
/// file that is not an earlier medsec report of that format.
///
/// Errors: `ReportError::Output` saying why and what to do.
pub fn check_output(out: &Path, format: ReportFormat) -> Result<(), ReportError> {
    let refuse = |reason: String| {
        Err(ReportError::Output {
            path: out.to_path_buf(),
            reason,
        })
    };
    if out.is_dir() {
        return refuse(format!(
            "is a folder; give a file name such as report.{}",
            format.extensions()[0]
        ));
    }
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if !format.extensions().contains(&ext.as_str()) {
        return refuse(format!(
            "the {} report needs a name ending in .{}",
            format.label(),
            format.extensions().join(" or .")
        ));
    }
    if out.exists() && !is_earlier_report(out, format) {
        return refuse(format!(
            "exists and is not a medsec {} report; nothing was written (choose another name, or \
             move that file away first)",
            format.label()
        ));
    }
    Ok(())
}

/// Whether an existing file is a report medsec wrote in `format`: an HTML report carries
/// `<meta name="generator" content="medsec assessment report …">` in its head, a Markdown
/// report starts with the comment `<!-- medsec assessment report …`.
pub fn is_earlier_report(path: &Path, format: ReportFormat) -> bool {
    let Ok(file) = fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::new();
    if file.take(SNIFF_BYTES).read_to_end(&mut head).is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    match format {
        ReportFormat::Html => {
            head.starts_with("<!DOCTYPE html>")
                && head.contains(&format!("<meta name=\"generator\" content=\"{GENERATOR}"))
        }
        ReportFormat::Markdown => head.starts_with(&format!("<!-- {GENERATOR}")),
    }
}

/// A temporary file next to the output (`.<name>.medsec-<random>.tmp`, owner-only on Unix),
/// removed when dropped unless it was moved into place.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            // Best effort: nothing useful can be done about a failure here.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Writes `text` to `out` through a temporary file next to it, reads it back and compares,
/// then renames it over `out` (owner-only on Unix: the report is not encrypted).
///
/// Errors: `Output` when the folder does not exist; `Io` naming the file for a write, flush or
/// rename failure (e.g. a full disk or a read-only folder); `Verify` when the file read back
/// differs from what was written. On any error `out` is unchanged and no temporary file is left.
pub fn write_atomically(out: &Path, text: &str) -> Result<(), ReportError> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(ReportError::Output {
            path: out.to_path_buf(),
            reason: format!(
                "the folder {} does not exist; create it first",
                parent.display()
            ),
        });
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let random = uuid::Uuid::new_v4().simple().to_string();
    let short = random.get(..12).unwrap_or(&random);
    let tmp = TempFile {
        path: parent.join(format!(".{name}.medsec-{short}.tmp")),
        keep: false,
    };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Io { path, source }
    };
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp.path).map_err(io(out))?;
    file.write_all(text.as_bytes()).map_err(io(out))?;
    file.sync_all().map_err(io(out))?;
    drop(file);
    let back = fs::read(&tmp.path).map_err(io(out))?;
    if back != text.as_bytes() {
        return Err(ReportError::Verify {
            path: out.to_path_buf(),
        });
    }
    let mut tmp = tmp;
    fs::rename(&tmp.path, out).map_err(io(out))?;
    tmp.keep = true;
    Ok(())
}
