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
}

impl Screen {
    fn text(&self) -> String {
        self.parser
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
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

#[test]
fn answer_five_controls_and_a_note_then_quit() -> TestResult {
    let dir = tempfile::tempdir()?;
    let home = dir.path();
    std::fs::write(home.join("pass"), format!("{PASSPHRASE}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(home.join("pass"), std::fs::Permissions::from_mode(0o600))?;
    }
    let wb = home.join("w.medsec");
    cli(home).arg("init").arg(&wb).assert().success();
    cli(home)
        .arg("-w")
        .arg(&wb)
        .args(["device", "add", "--name", "Infusion pump 3"])
        .assert()
        .success();

    let pty = native_pty_system().openpty(PtySize {
        rows: 24,
        cols: 80,
        pixel_width: 0,
        pixel_height: 0,
    })?;
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_medsec"));
    cmd.arg("-w");
    cmd.arg(&wb);
    cmd.env_clear();
    cmd.env("HOME", home);
    cmd.env("TERM", "xterm-256color");
    cmd.env("MEDSEC_PASSPHRASE_FILE", home.join("pass"));
    let mut child = pty.slave.spawn_command(cmd)?;
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader()?;
    let writer = Arc::new(Mutex::new(pty.master.take_writer()?));
    let screen = Screen {
        parser: Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0))),
    };
    let parser = Arc::clone(&screen.parser);
    let answerer = Arc::clone(&writer);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let chunk = &buf[..n];
            // Answer cursor-position requests (CSI 6n) as a real terminal does.
            if chunk.windows(4).any(|w| w == b"\x1b[6n")
                && let Ok(mut w) = answerer.lock()
            {
                let _ = w.write_all(b"\x1b[1;1R");
                let _ = w.flush();
            }
            if let Ok(mut p) = parser.lock() {
                p.process(chunk);
            }
        }
    });
    let send = |bytes: &[u8]| -> std::io::Result<()> {
        let mut w = writer
            .lock()
            .map_err(|_| std::io::Error::other("writer lock poisoned"))?;
        w.write_all(bytes)?;
        w.flush()?;
        drop(w);
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

    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > timeout() {
            child.kill()?;
            return Err(format!("medsec did not quit; screen:\n{}", screen.text()).into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(!screen.alternate(), "the alternate screen was left on");

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
