//! The progress bar at a real terminal: the binary runs an nmap import in a pseudo-terminal; the
//! bar is drawn on the way and gone from the screen when the summary is printed. (Without a
//! terminal there is no bar at all: `tests/cli.rs`.) Timeouts are generous and tunable with
//! `MEDSEC_TEST_TIMEOUT` (seconds).

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const PASSPHRASE: &str = "correct horse battery staple";

fn timeout() -> Duration {
    let secs = std::env::var("MEDSEC_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

/// An nmap scan of `hosts` hosts, one in a thousand up: a few MiB that parse in about a
/// second, so the bar is drawn more than once.
fn write_scan(path: &Path, hosts: u32) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        f,
        "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\" start=\"1700000000\">"
    )?;
    for n in 0..hosts {
        let state = if n % 1000 == 0 { "up" } else { "down" };
        writeln!(
            f,
            "<host><status state=\"{state}\"/>\n<address addr=\"10.{}.{}.{}\" addrtype=\"ipv4\"/>\n\
             <ports><port protocol=\"tcp\" portid=\"104\"><state state=\"open\"/>\
             <service name=\"dicom\"/></port></ports>\n</host>",
            (n >> 16) & 255,
            (n >> 8) & 255,
            n & 255
        )?;
    }
    writeln!(f, "</nmaprun>")?;
    f.flush()
}

#[test]
fn the_bar_is_drawn_at_a_terminal_and_cleared_before_the_summary() -> TestResult {
    let dir = tempfile::tempdir()?;
    let home = dir.path();
    std::fs::write(home.join("pass"), format!("{PASSPHRASE}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(home.join("pass"), std::fs::Permissions::from_mode(0o600))?;
    }
    let wb = home.join("w.medsec");
    Command::cargo_bin("medsec")?
        .env_clear()
        .env("HOME", home)
        .env("MEDSEC_PASSPHRASE_FILE", home.join("pass"))
        .arg("init")
        .arg(&wb)
        .assert()
        .success();
    let scan = home.join("big-scan.xml");
    write_scan(&scan, 20_000)?;

    let pty = native_pty_system().openpty(PtySize {
        rows: 24,
        cols: 100,
        pixel_width: 0,
        pixel_height: 0,
    })?;
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_medsec"));
    cmd.arg("-w");
    cmd.arg(&wb);
    cmd.args(["import", "nmap", "--dry-run"]);
    cmd.arg(&scan);
    cmd.env_clear();
    cmd.env("HOME", home);
    cmd.env("TERM", "xterm-256color");
    cmd.env("MEDSEC_PASSPHRASE_FILE", home.join("pass"));
    let mut child = pty.slave.spawn_command(cmd)?;
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader()?;
    let output = std::thread::spawn(move || {
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        // Ends at end of file, or with an error once the child is gone (EIO on Linux).
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buf[..n]);
        }
        raw
    });

    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > timeout() {
            child.kill()?;
            return Err("medsec did not finish the import".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(pty.master);
    let raw = output.join().map_err(|_| "the reader thread panicked")?;
    let text = String::from_utf8_lossy(&raw);
    assert!(status.success(), "exit status {status:?}: {text}");

    // On the way: the bar, in bytes of the file.
    assert!(text.contains("reading big-scan.xml ["), "{text}");
    assert!(text.contains(" MiB/"), "{text}");
    // At the end: the summary, and no bar left on the screen.
    let mut screen = vt100::Parser::new(24, 100, 0);
    screen.process(&raw);
    let shown = screen.screen().contents();
    assert!(shown.contains("dry run: 20 added"), "{shown}");
    assert!(!shown.contains("reading big-scan.xml"), "{shown}");
    Ok(())
}
