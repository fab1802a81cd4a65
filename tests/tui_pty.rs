//! The real binary's TUI in a pseudo-terminal at 80×24: open a workbook, answer five controls
//! with single keys, add a note, quit; the answers are in the workbook and the terminal is
//! restored. Timeouts are generous and tunable with `MEDSEC_TEST_TIMEOUT` (seconds).

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use medsec::assessment::{Response, Target};
use medsec::workbook::{Access, Passphrase, Workbook};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const PASSPHRASE: &str = "correct horse battery staple";

fn timeout() -> Duration {
    let secs = std::env::var("MEDSEC_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    Duration::from_secs(secs)
}

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the TUI wrote, for text drawn and drawn over between two looks.
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    /// Whether `what` was ever written (a frame since drawn over included).
    fn written(&self, what: &str) -> bool {
        self.raw
            .lock()
            .is_ok_and(|raw| raw.windows(what.len()).any(|w| w == what.as_bytes()))
    }

    fn alternate(&self) -> bool {
        self.parser
            .lock()
            .map(|p| p.screen().alternate_screen())
            .unwrap_or(true)
    }

    fn wait_for(&self, what: &str) -> Result<String, String> {
        let start = Instant::now();
        loop {
            let text = self.text();
            if text.contains(what) {
                return Ok(text);
            }
            if start.elapsed() > timeout() {
                return Err(format!("timed out waiting for {what:?}; screen:\n{text}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn cli(home: &Path) -> Command {
    let mut c = Command::cargo_bin("medsec").unwrap_or_else(|e| panic!("medsec binary: {e}"));
    c.env_clear()
        .env("HOME", home)
        .env("MEDSEC_PASSPHRASE_FILE", home.join("pass"));
    c
}

type Writer = Arc<Mutex<Option<Box<dyn Write + Send>>>>;

/// The real binary's TUI running in a pseudo-terminal of 80×24. Dropping it kills the process
/// if it is still running (a failed test must not leave one behind).
struct Tui {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    screen: Screen,
    /// The terminal's keyboard; `None` once the terminal is closed.
    writer: Writer,
    /// Asks the output thread to close the terminal's side of the pty (a hang-up), after the
    /// output has been quiet for the given time.
    hang_up: Arc<Mutex<Option<Duration>>>,
}

impl Drop for Tui {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Tui {
    /// Types bytes on the terminal's keyboard.
    fn send(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut w = self
            .writer
            .lock()
            .map_err(|_| std::io::Error::other("writer lock poisoned"))?;
        let w = w
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the terminal is closed"))?;
        w.write_all(bytes)?;
        w.flush()
    }

    /// Closes the terminal, as when an SSH connection drops or a terminal window is closed:
    /// every handle on the pty's terminal side is dropped, so the kernel hangs up the TUI's side.
    /// Dropping the keyboard types Enter and Ctrl-D (portable-pty's way of saying end of
    /// input); the TUI redraws, which wakes the output thread; it closes the rest once the
    /// output has been quiet for `settle` (a long `settle`: the TUI is idle, waiting for a key;
    /// none: it may be drawing when the terminal goes).
    fn close_terminal(&self, settle: Duration) -> std::io::Result<()> {
        if let Ok(mut h) = self.hang_up.lock() {
            *h = Some(settle);
        }
        let writer = self
            .writer
            .lock()
            .map_err(|_| std::io::Error::other("writer lock poisoned"))?
            .take();
        drop(writer);
        Ok(())
    }

    /// Waits for the process to end (at most `timeout()`).
    fn wait(&mut self) -> Result<portable_pty::ExitStatus, String> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Ok(status);
            }
            if start.elapsed() > timeout() {
                return Err(format!(
                    "medsec did not end within {:?}; screen:\n{}",
                    timeout(),
                    self.screen.text()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the TUI to exit and checks that it exited with 0 and left the alternate
    /// screen.
    fn wait_for_exit(&mut self) -> TestResult {
        let status = self.wait()?;
        assert!(status.success(), "exit status {status:?}");
        // The last bytes (leaving the alternate screen) may still be on their way to the parser.
        let start = Instant::now();
        while self.screen.alternate() && start.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            !self.screen.alternate(),
            "the alternate screen was left on:\n{}",
            self.screen.text()
        );
        Ok(())
    }
}

/// Starts `medsec -w WORKBOOK` in an 80×24 pseudo-terminal, with the passphrase from the file
/// `HOME/pass`; a thread feeds its output to a vt100 parser and answers the terminal's
/// cursor-position queries.
fn spawn_tui(home: &Path, wb: &Path) -> Result<Tui, Box<dyn std::error::Error>> {
    let pty = native_pty_system().openpty(PtySize {
        rows: 24,
        cols: 80,
        pixel_width: 0,
        pixel_height: 0,
    })?;
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_medsec"));
    cmd.arg("-w");
    cmd.arg(wb);
    cmd.env_clear();
    cmd.env("HOME", home);
    cmd.env("TERM", "xterm-256color");
    cmd.env("MEDSEC_PASSPHRASE_FILE", home.join("pass"));
    let child = pty.slave.spawn_command(cmd)?;
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader()?;
    let writer: Writer = Arc::new(Mutex::new(Some(pty.master.take_writer()?)));
    let screen = Screen {
        parser: Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0))),
        raw: Arc::new(Mutex::new(Vec::new())),
    };
    let parser = Arc::clone(&screen.parser);
    let raw = Arc::clone(&screen.raw);
    let answerer = Arc::clone(&writer);
    let hang_up: Arc<Mutex<Option<Duration>>> = Arc::new(Mutex::new(None));
    let closing = Arc::clone(&hang_up);
    std::thread::spawn(move || {
        // Keeps the pty open until the child has gone or the terminal is closed.
        let master = pty.master;
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let chunk = &buf[..n];
            // Answer cursor-position requests (CSI 6n) as a real terminal does.
            if chunk.windows(4).any(|w| w == b"\x1b[6n")
                && let Ok(mut w) = answerer.lock()
                && let Some(w) = w.as_mut()
            {
                let _ = w.write_all(b"\x1b[1;1R");
                let _ = w.flush();
            }
            if let Ok(mut p) = parser.lock() {
                p.process(chunk);
            }
            if let Ok(mut r) = raw.lock() {
                r.extend_from_slice(chunk);
            }
            let settle = closing.lock().ok().and_then(|h| *h);
            if let Some(settle) = settle {
                std::thread::sleep(settle);
                break;
            }
        }
        drop(reader);
        drop(master);
    });
    Ok(Tui {
        child,
        screen,
        writer,
        hang_up,
    })
}

/// A passphrase file (owner-only) in `home`, a workbook `name` made with `medsec init`, and one
/// device named `device` added with the CLI; returns the workbook's path.
fn workbook_with_device(
    home: &Path,
    name: &str,
    device: &str,
) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    std::fs::write(home.join("pass"), format!("{PASSPHRASE}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(home.join("pass"), std::fs::Permissions::from_mode(0o600))?;
    }
    let wb = home.join(name);
    cli(home).arg("init").arg(&wb).assert().success();
    cli(home)
        .arg("-w")
        .arg(&wb)
        .args(["device", "add", "--name", device])
        .assert()
        .success();
    Ok(wb)
}

#[test]
fn answer_five_controls_and_a_note_then_quit() -> TestResult {
    let dir = tempfile::tempdir()?;
    let home = dir.path();
    let wb = workbook_with_device(home, "w.medsec", "Infusion pump 3")?;

    let mut tui = spawn_tui(home, &wb)?;
    let screen = &tui.screen;
    let send = |bytes: &[u8]| -> std::io::Result<()> {
        tui.send(bytes)?;
        std::thread::sleep(Duration::from_millis(150));
        Ok(())
    };

    let devices = screen.wait_for("DEV-0001")?;
    assert!(devices.contains("encrypted"), "{devices}");
    send(b"\r")?;
    screen.wait_for("INV-01")?;
    for key in [b"y", b"n", b"p", b"u", b"y"] {
        send(key)?;
    }
    screen.wait_for("5/72")?;
    send(b"e")?;
    send("checked label — Dräger".as_bytes())?;
    send(b"\r")?;
    screen.wait_for("checked label")?;
    send(b"\x1b")?;
    screen.wait_for("Enter open")?;
    send(b"q")?;

    tui.wait_for_exit()?;

    let book = Workbook::open(&wb, &Passphrase::new(PASSPHRASE.into()), Access::Read)?;
    let device = book.find_device("DEV-0001")?;
    let target = Target::Device(device.id);
    let responses: Vec<Option<Response>> = ["INV-01", "INV-02", "INV-04", "INV-05"]
        .iter()
        .map(|c| book.answer(&target, c).map(|a| a.and_then(|a| a.response)))
        .collect::<Result<_, _>>()?;
    assert_eq!(
        responses,
        [
            Some(Response::Yes),
            Some(Response::No),
            Some(Response::Unknown),
            Some(Response::Yes)
        ]
    );
    let noted = book
        .answer(&target, "INV-06")?
        .map(|a| a.note)
        .unwrap_or_default();
    assert_eq!(noted, "checked label — Dräger");
    Ok(())
}

/// The first words of a control's question (they fit on the first row of the walk screen).
fn question_start(id: &str) -> Result<String, String> {
    let control = medsec::catalog::catalog()
        .control(id)
        .ok_or(format!("no control {id}"))?;
    Ok(control
        .question
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" "))
}

#[test]
fn walk_answers_resume_after_a_restart_and_are_stored() -> TestResult {
    let dir = tempfile::tempdir()?;
    let home = dir.path();
    let wb = workbook_with_device(home, "walk.medsec", "Vent bed 4")?;

    // Keys go one at a time: characters within 3 ms of each other would be taken as a paste.
    let key = |tui: &Tui, bytes: &[u8]| -> std::io::Result<()> {
        std::thread::sleep(Duration::from_millis(40));
        tui.send(bytes)
    };

    // First session: walk the device, answer four controls, leave the walk, quit.
    let mut tui = spawn_tui(home, &wb)?;
    let devices = tui.screen.wait_for("DEV-0001")?;
    assert!(devices.contains("Vent bed 4"), "{devices}");
    key(&tui, b"w")?;
    let menu = tui.screen.wait_for("Walk through which devices?")?;
    assert!(!menu.contains("Resume"), "nothing to resume yet:\n{menu}");
    key(&tui, b"\r")?;
    let walk = tui.screen.wait_for("Walk ·")?;
    assert!(walk.contains("DEV-0001 Vent bed 4"), "{walk}");
    assert!(walk.contains("INV-01 ·"), "{walk}");
    assert!(walk.contains(&question_start("INV-01")?), "{walk}");
    let answers = [
        (b"y", "INV-02"),
        (b"n", "INV-03"),
        (b"p", "INV-04"),
        (b"y", "INV-05"),
    ];
    for (n, (answer, next)) in answers.iter().enumerate() {
        key(&tui, *answer)?;
        let screen = tui.screen.wait_for(&format!("{next} ·"))?;
        assert!(screen.contains("Walk ·"), "{screen}");
        assert!(screen.contains(&question_start(next)?), "{screen}");
        assert!(
            screen.contains(&format!("{}/72 answered", n + 1)),
            "{screen}"
        );
    }
    key(&tui, b"\x1b")?;
    let left = tui.screen.wait_for("w resumes it")?;
    assert!(!left.contains("Walk ·"), "{left}");
    key(&tui, b"q")?;
    tui.wait_for_exit()?;

    // Second session: the walk is offered for resuming where it stood, and resumes there.
    let mut tui = spawn_tui(home, &wb)?;
    tui.screen.wait_for("DEV-0001")?;
    key(&tui, b"w")?;
    let menu = tui.screen.wait_for("Resume")?;
    assert!(menu.contains("Resume: DEV-0001 · INV-05"), "{menu}");
    key(&tui, b"\r")?;
    let walk = tui.screen.wait_for("Walk ·")?;
    assert!(walk.contains("INV-05 ·"), "{walk}");
    assert!(walk.contains(&question_start("INV-05")?), "{walk}");
    assert!(walk.contains("4/72 answered"), "{walk}");
    key(&tui, b"\x1b")?;
    tui.screen.wait_for("w resumes it")?;
    key(&tui, b"q")?;
    tui.wait_for_exit()?;

    // Exactly the answers given are stored: counted by `status --json` …
    let out = cli(home)
        .arg("-w")
        .arg(&wb)
        .args(["status", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let status: serde_json::Value = serde_json::from_slice(&out)?;
    let steps = status["steps"].as_array().ok_or("no steps")?;
    let total = |field: &str| -> u64 { steps.iter().filter_map(|s| s[field].as_u64()).sum() };
    assert_eq!(
        (
            total("assessed"),
            total("yes"),
            total("no"),
            total("partial"),
            total("na"),
            total("unknown")
        ),
        (4, 2, 1, 1, 0, 0),
        "{status:#}"
    );
    assert_eq!(steps.first().map(|s| s["assessed"].clone()), Some(4.into()));
    // … and control by control.
    let book = Workbook::open(&wb, &Passphrase::new(PASSPHRASE.into()), Access::Read)?;
    let target = Target::Device(book.find_device("DEV-0001")?.id);
    let expected = [
        ("INV-01", Some(Response::Yes)),
        ("INV-02", Some(Response::No)),
        ("INV-03", Some(Response::Partial)),
        ("INV-04", Some(Response::Yes)),
    ];
    for (control, response) in expected {
        let stored = book.answer(&target, control)?.and_then(|a| a.response);
        assert_eq!(stored, response, "{control}");
    }
    let stored = book.answer_rows()?.len();
    assert_eq!(stored, 4, "exactly the four answers given are stored");
    Ok(())
}

/// Answers INV-01 No on a new workbook's only device, closes the terminal (after the output
/// has been quiet for `settle`), and checks that the TUI ends by itself as for the hang-up
/// signal (exit 130) — it used to spin for ever, the workbook locked — and that the workbook
/// is free again and holds the answer.
fn close_the_terminal(settle: Duration) -> TestResult {
    let dir = tempfile::tempdir()?;
    let home = dir.path();
    let wb = workbook_with_device(home, "hangup.medsec", "Pump 1")?;

    let mut tui = spawn_tui(home, &wb)?;
    tui.screen.wait_for("DEV-0001")?;
    tui.send(b"\r")?;
    tui.screen.wait_for("INV-01")?;
    std::thread::sleep(Duration::from_millis(40));
    tui.send(b"n")?;
    tui.screen.wait_for("1/72")?;

    tui.close_terminal(settle)?;
    let status = tui.wait()?;
    assert_eq!(status.exit_code(), 130, "{status:?}");

    cli(home)
        .arg("-w")
        .arg(&wb)
        .args(["device", "list"])
        .assert()
        .success();
    let book = Workbook::open(&wb, &Passphrase::new(PASSPHRASE.into()), Access::Read)?;
    let target = Target::Device(book.find_device("DEV-0001")?.id);
    let stored = book.answer(&target, "INV-01")?.and_then(|a| a.response);
    assert_eq!(stored, Some(Response::No));
    Ok(())
}

#[test]
fn closing_the_terminal_while_idle_ends_the_tui() -> TestResult {
    close_the_terminal(Duration::from_millis(500))
}

#[test]
fn closing_the_terminal_while_drawing_ends_the_tui() -> TestResult {
    close_the_terminal(Duration::ZERO)
}

/// A 600-device workbook, fully answered, that takes a moment to read (debug build) and the
/// TUI opened on it, once its interim frame (the device list while the answers are read) has
/// been written.
fn opening_a_large_workbook(
    home: &Path,
) -> Result<(Tui, std::path::PathBuf), Box<dyn std::error::Error>> {
    std::fs::write(home.join("pass"), format!("{PASSPHRASE}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(home.join("pass"), std::fs::Permissions::from_mode(0o600))?;
    }
    let wb = home.join("large.medsec");
    cli(home)
        .arg("demo")
        .arg(&wb)
        .args(["--devices", "600", "--answered", "1", "--no-open"])
        .assert()
        .success();
    let tui = spawn_tui(home, &wb)?;
    let start = Instant::now();
    while !tui.screen.written("DEV-0001") {
        if start.elapsed() > timeout() {
            return Err(format!("no device list: {}", tui.screen.text()).into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok((tui, wb))
}

/// A workbook that takes a moment to read: the device list is drawn first (Done and Risk
/// still being read), and keys pressed straight away are applied in order, none lost.
#[test]
fn keys_pressed_while_a_large_workbook_opens_are_kept() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut tui, _) = opening_a_large_workbook(dir.path())?;
    // Two moves down and Enter, slower than a burst, as soon as the list is up.
    for key in [b"j", b"j", b"\r"] {
        tui.send(key)?;
        std::thread::sleep(Duration::from_millis(30));
    }
    let checklist = tui.screen.wait_for("INV-01")?;
    assert!(checklist.contains("DEV-0003"), "{checklist}");
    assert!(
        tui.screen
            .written("Reading the answers, progress and risks"),
        "the device list was not drawn before the answers were read"
    );
    tui.send(b"\x1b")?;
    tui.screen.wait_for("Enter open")?;
    tui.send(b"q")?;
    tui.wait_for_exit()?;
    Ok(())
}

/// `q` while a large workbook is still being read quits at once: the reading is stopped, the
/// terminal restored and the workbook's lock released.
#[test]
fn quitting_while_a_large_workbook_opens_stops_the_reading() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut tui, wb) = opening_a_large_workbook(dir.path())?;
    tui.send(b"q")?;
    tui.wait_for_exit()?;
    // The lock is released: the workbook opens for writing at once.
    Workbook::open(&wb, &Passphrase::new(PASSPHRASE.into()), Access::Write)?;
    Ok(())
}
