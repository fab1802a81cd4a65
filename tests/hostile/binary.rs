//! Runs of the real `medsec` binary on hostile files, into a real demo workbook: each run under
//! `/usr/bin/time` (when present) for its peak memory, its exit code, stdout and stderr checked,
//! and the workbook compared before and after (SHA-256 of the file, audit head, devices,
//! answers, feeds) when the import failed: an import is all or nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use medsec::workbook::{Access, Passphrase, Workbook};

use super::common::{Env, PASSPHRASE};
use super::importers::{CASE_STEM, Importer};

/// Largest peak memory (resident set) a run may reach, in KiB (512 MiB).
pub const MAX_RSS_KIB: u64 = 512 * 1024;

/// A demo workbook (6 devices) in a private HOME, for binary runs.
pub struct Bench {
    env: Env,
    workbook: PathBuf,
    time: Option<PathBuf>,
    /// Whether every check reads the library snapshot before the run (`MEDSEC_HOSTILE_SNAPSHOT`
    /// set): slower, names what changed when the file hash differs.
    snapshot_needed: bool,
}

/// What the workbook holds, to tell whether a run changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// SHA-256 of the workbook file, hex.
    pub file_sha256: String,
    /// Audit chain length and head hash.
    pub audit: (i64, String),
    /// Number of devices.
    pub devices: usize,
    /// Number of answers.
    pub answers: usize,
    /// Number of stored feeds.
    pub feeds: usize,
}

/// One run of the binary.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded (without `/usr/bin/time`'s own lines).
    pub stderr: String,
    /// Peak resident set in KiB, when `/usr/bin/time` is present.
    pub max_rss_kib: Option<u64>,
    /// Wall time.
    pub took: Duration,
}

impl Bench {
    /// Makes the HOME, the passphrase file and the demo workbook.
    pub fn new() -> Bench {
        let env = Env::new().unwrap_or_else(|e| panic!("env: {e}"));
        let workbook = env.path("demo.medsec");
        env.cmd()
            .arg("demo")
            .arg(&workbook)
            .args(["--devices", "6", "--no-open"])
            .assert()
            .success();
        let time = Path::new("/usr/bin/time")
            .is_file()
            .then(|| PathBuf::from("/usr/bin/time"));
        Bench {
            env,
            workbook,
            time,
            snapshot_needed: std::env::var_os("MEDSEC_HOSTILE_SNAPSHOT").is_some(),
        }
    }

    /// A file in the bench's folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.env.path(name)
    }

    /// SHA-256 of the workbook file, hex.
    pub fn file_hash(&self) -> String {
        let bytes = std::fs::read(&self.workbook).unwrap_or_else(|e| panic!("read wb: {e}"));
        hex::encode(Sha256::digest(&bytes))
    }

    /// The workbook's rollback journal (SQLite's `-journal` file).
    fn journal(&self) -> PathBuf {
        let mut name = self.workbook.clone().into_os_string();
        name.push("-journal");
        PathBuf::from(name)
    }

    /// Opens the workbook and checks its audit chain; panics naming any problem.
    pub fn verify(&self) -> Snapshot {
        let wb = Workbook::open(
            &self.workbook,
            &Passphrase::new(PASSPHRASE.to_string()),
            Access::Read,
        )
        .unwrap_or_else(|e| panic!("the workbook no longer opens: {e}"));
        let check = wb.verify_audit().unwrap_or_else(|e| panic!("audit: {e}"));
        assert!(
            check.problems.is_empty(),
            "audit chain damaged: {:?}",
            check
                .problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        );
        drop(wb);
        self.snapshot()
    }

    /// The workbook's state, read through the library.
    pub fn snapshot(&self) -> Snapshot {
        let bytes = std::fs::read(&self.workbook).unwrap_or_else(|e| panic!("read wb: {e}"));
        let wb = Workbook::open(
            &self.workbook,
            &Passphrase::new(PASSPHRASE.to_string()),
            Access::Read,
        )
        .unwrap_or_else(|e| panic!("the workbook no longer opens: {e}"));
        let head = wb.audit_head().unwrap_or_else(|e| panic!("audit: {e}"));
        Snapshot {
            file_sha256: hex::encode(Sha256::digest(&bytes)),
            audit: (head.length, head.hash),
            devices: wb.devices().map(|d| d.len()).unwrap_or(usize::MAX),
            answers: wb.answer_rows().map(|a| a.len()).unwrap_or(usize::MAX),
            feeds: wb.feeds().map(|f| f.len()).unwrap_or(usize::MAX),
        }
    }

    /// `medsec -w WORKBOOK import KIND FILE ...` with the importer's usual options.
    pub fn run(&self, importer: Importer, file: &Path) -> Run {
        let bin = assert_cmd::cargo::cargo_bin("medsec");
        let rss_file = self.path("rss.txt");
        let _ = std::fs::remove_file(&rss_file);
        let mut cmd = match &self.time {
            Some(time) => {
                let mut c = Command::new(time);
                c.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(&bin);
                c
            }
            None => Command::new(&bin),
        };
        cmd.env_clear()
            .env("HOME", self.env.dir.path())
            .env("XDG_DATA_HOME", self.env.dir.path().join("data"))
            .env("MEDSEC_PASSPHRASE_FILE", self.env.dir.path().join("pass"))
            .arg("-w")
            .arg(&self.workbook)
            .arg("import")
            .arg(importer.name())
            .arg(file);
        match importer {
            Importer::Workbook | Importer::Json => {
                cmd.arg("--accept-foreign");
            }
            Importer::Mds2 | Importer::Sbom => {
                cmd.args(["--device", "DEV-0001"]);
            }
            _ => {}
        }
        let started = Instant::now();
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run medsec: {e}"));
        let took = started.elapsed();
        let max_rss_kib = std::fs::read_to_string(&rss_file)
            .ok()
            .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()));
        // `/usr/bin/time` exits with the command's code; "Command exited with non-zero status"
        // goes to its -o file, not to stderr.
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            max_rss_kib,
            took,
        }
    }

    /// Writes `bytes` as a case file, runs the import and checks it: exit 0 or 4; no panic
    /// report; no raw control character (an escape sequence above all) on stdout or stderr;
    /// on failure one `medsec:` line naming the file (after any `reject`/`rejected` lines listing
    /// the rows) and the
    /// workbook exactly as before; peak memory under [`MAX_RSS_KIB`].
    pub fn check(&self, importer: Importer, ext: &str, bytes: &[u8]) -> Result<Run, String> {
        let file = self.path(&format!("{CASE_STEM}.{ext}"));
        std::fs::write(&file, bytes).map_err(|e| format!("cannot write the case: {e}"))?;
        // The file's hash decides: equal bytes are an equal workbook (devices, answers, feeds
        // and audit head included). The library snapshot is read before, to name what changed.
        let before_hash = self.file_hash();
        let before = self.snapshot_needed.then(|| self.snapshot());
        let run = self.run(importer, &file);
        let name = importer.name();
        let fail = |what: String| -> Result<Run, String> {
            Err(format!(
                "import {name} ({} bytes): {what}\nexit {}\nstdout: {:?}\nstderr: {:?}",
                bytes.len(),
                run.code,
                run.stdout.chars().take(2000).collect::<String>(),
                run.stderr.chars().take(2000).collect::<String>()
            ))
        };
        if run.code != 0 && run.code != 4 {
            return fail(format!("exit code {} (0 or 4 expected)", run.code));
        }
        for bad in [
            "internal error",
            "panicked",
            "RUST_BACKTRACE",
            "stack backtrace",
        ] {
            if run.stderr.contains(bad) || run.stdout.contains(bad) {
                return fail(format!("the output holds {bad:?}"));
            }
        }
        for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            if let Some(c) = text.chars().find(|c| {
                (c.is_control() && *c != '\n' && *c != '\t')
                    || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            }) {
                return fail(format!("{stream} holds the raw control character {c:?}"));
            }
        }
        if let Some(kib) = run.max_rss_kib
            && kib > MAX_RSS_KIB
        {
            return fail(format!("peak memory {kib} KiB over {MAX_RSS_KIB} KiB"));
        }
        if run.code == 4 {
            let lines: Vec<&str> = run
                .stderr
                .lines()
                .filter(|l| !l.starts_with("reject"))
                .collect();
            if lines.len() != 1 {
                return fail(format!(
                    "stderr holds {} lines besides `reject` lines, one expected",
                    lines.len()
                ));
            }
            if !lines[0].starts_with("medsec: ") || !lines[0].contains(CASE_STEM) {
                return fail("the error line does not name the file".to_string());
            }
            let journal = self.journal();
            if self.file_hash() != before_hash || journal.exists() {
                let after = self.snapshot();
                return fail(format!(
                    "the import failed but the workbook changed (journal left: {}): {before:?} -> {after:?}",
                    journal.exists()
                ));
            }
        }
        Ok(run)
    }
}
