//! Security checks of issue 7, run against the real binary where it matters:
//! - no plaintext device data in the workbook or its journal during a long import or after a
//!   kill;
//! - the passphrase in no file, no output and no process argument;
//! - terminal escape sequences from imported data never reach the terminal (CLI and TUI);
//! - XML entities are never expanded or fetched (nmap XML, xlsx);
//! - exports, backups, re-keyed and new workbooks are owner-only whatever the umask.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type TestResult = Result<(), Box<dyn std::error::Error>>;

mod common;
use common::{Env, PASSPHRASE};

/// Whether `needle` occurs in `hay`.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// `text` as UTF-16LE bytes (how some formats would hold it).
fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The bytes of `path` and, for a zip (xlsx, evidence export), of every member inflated.
fn readable_bytes(path: &Path) -> Result<Vec<Vec<u8>>, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    let mut all = Vec::new();
    if bytes.starts_with(b"PK\x03\x04") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone()))?;
        for i in 0..zip.len() {
            let mut member = zip.by_index(i)?;
            let mut inflated = Vec::new();
            member.read_to_end(&mut inflated)?;
            all.push(inflated);
        }
    }
    all.push(bytes);
    Ok(all)
}

/// An nmap `-oX` scan of `hosts` up hosts named `h<i>-<tag>`.
fn nmap_scan(path: &Path, hosts: u32, tag: &str) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        f,
        "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\" args=\"nmap -sn 10.0.0.0/16\" start=\"1700000000\" version=\"7.94\" xmloutputversion=\"1.05\">"
    )?;
    for i in 0..hosts {
        writeln!(
            f,
            "<host><status state=\"up\"/><address addr=\"10.{}.{}.{}\" addrtype=\"ipv4\"/><hostnames><hostname name=\"h{i}-{tag}\" type=\"PTR\"/></hostnames></host>",
            i / 65536 % 256,
            i / 256 % 256,
            i % 256
        )?;
    }
    writeln!(
        f,
        "<runstats><finished time=\"1700000100\"/></runstats></nmaprun>"
    )?;
    f.flush()
}

fn journal_of(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-journal");
    PathBuf::from(name)
}

/// `medsec -w WORKBOOK ARGS` as a child process, its output discarded (a pipe nobody reads would
/// block it once full).
fn spawn(env: &Env, args: &[&str]) -> std::io::Result<std::process::Child> {
    std::process::Command::new(env!("CARGO_BIN_EXE_medsec"))
        .env_clear()
        .env("HOME", env.dir.path())
        .env("XDG_DATA_HOME", env.dir.path().join("data"))
        .env("MEDSEC_PASSPHRASE_FILE", env.path("pass"))
        .arg("-w")
        .arg(env.workbook())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

#[cfg(unix)]
#[test]
fn no_plaintext_device_data_in_the_workbook_or_its_journal_during_an_import_or_after_a_kill()
-> TestResult {
    let env = Env::new()?;
    let name = "Canary infusion pump QX7Z";
    let serial = "SN-CANARY-93814";
    env.wb()
        .args(["device", "add", "--name", name, "--serial-number", serial])
        .assert()
        .success();
    env.wb()
        .args([
            "answer",
            "DEV-0001",
            "ENC-01",
            "no",
            "--note",
            "canary note 5521",
        ])
        .assert()
        .success();
    let secrets: Vec<&[u8]> = vec![
        name.as_bytes(),
        serial.as_bytes(),
        b"canary note 5521",
        b"plaincanary",
        b"SQLite format 3",
    ];
    let check = |what: &str, bytes: &[u8]| {
        for s in &secrets {
            assert!(
                !contains(bytes, s),
                "{what} holds {:?} in plaintext",
                String::from_utf8_lossy(s)
            );
        }
    };
    check("the workbook", &std::fs::read(env.workbook())?);

    // A long import, watched from outside: every state of the file and its journal on disk.
    let input_dir = tempfile::tempdir()?;
    let journal = journal_of(&env.workbook());
    for kill in [false, true] {
        // New hosts each time, so the second import writes as much as the first.
        let scan = input_dir.path().join(format!("scan-{kill}.xml"));
        nmap_scan(&scan, 4000, &format!("plaincanary-{kill}"))?;
        let mut child = spawn(&env, &["import", "nmap", &scan.to_string_lossy()])?;
        let start = Instant::now();
        let (mut looks, mut journals) = (0, 0);
        while child.try_wait()?.is_none() && start.elapsed() < Duration::from_secs(300) {
            if let Ok(b) = std::fs::read(env.workbook()) {
                check("the workbook during an import", &b);
                looks += 1;
            }
            if let Ok(b) = std::fs::read(&journal) {
                check("the journal during an import", &b);
                journals += 1;
                if kill && !b.is_empty() {
                    // In the middle of the write: kill it here and look at what is left.
                    child.kill()?;
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let status = child.wait()?;
        assert!(looks > 0);
        if kill {
            assert!(journals > 0, "the import ended before its journal was seen");
            assert!(!status.success(), "killed: {status:?}");
        }
        eprintln!(
            "import (kill: {kill}): {looks} looks at the workbook, {journals} at a journal, exit {status:?}"
        );
        check(
            "the workbook after the import",
            &std::fs::read(env.workbook())?,
        );
        if let Ok(b) = std::fs::read(&journal) {
            check("the journal left by a kill", &b);
        }
        // Nothing else beside it holds the data either.
        for f in files_under(env.dir.path()) {
            for bytes in readable_bytes(&f)? {
                check(&f.display().to_string(), &bytes);
            }
        }
        // The workbook is whole after the kill (the journal rolled back) or the import.
        env.wb().arg("verify").assert().success();
    }
    Ok(())
}

#[cfg(unix)]
#[test]
fn the_passphrase_is_in_no_file_no_output_and_no_process_argument() -> TestResult {
    let env = Env::new()?;
    let new_pass = "the second passphrase 4471";
    std::fs::write(env.path("new-pass"), format!("{new_pass}\n"))?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(env.path("new-pass"), std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::create_dir_all(env.path(".config/medsec"))?;
    std::fs::write(
        env.path(".config/medsec/config.toml"),
        "assessor = \"B. Second\"\n",
    )?;
    let evidence = env.path("photo.txt");
    std::fs::write(&evidence, b"settings screen\n")?;
    let out = |n: &str| env.path(n).to_string_lossy().into_owned();
    let runs: Vec<Vec<String>> = vec![
        vec!["device", "add", "--name", "Pump", "--serial-number", "1"],
        vec!["answer", "DEV-0001", "ENC-01", "no", "--note", "weak"],
        vec!["evidence", "add", "DEV-0001", "ENC-01", &out("photo.txt")],
        vec!["export", "xlsx", &out("o.xlsx")],
        vec!["export", "csv", &out("csv")],
        vec!["export", "json", &out("o.json")],
        vec!["export", "html", &out("o.html")],
        vec!["export", "markdown", &out("o.md")],
        vec!["export", "evidence", &out("o.zip")],
        vec!["backup", &out("b.medsec")],
        vec!["status"],
        vec!["verify"],
        vec!["device", "list", "--json"],
        vec!["rekey", "--new-passphrase-file", &out("new-pass")],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect();
    let mut outputs = Vec::new();
    for args in &runs {
        let o = env.wb().args(args).output()?;
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        outputs.push((args.clone(), o.stdout, o.stderr));
    }
    // Wrong passphrases and a failing command: the passphrase tried is not echoed either.
    let o = env.wb().arg("status").output()?;
    assert_eq!(o.status.code(), Some(3));
    outputs.push((vec!["status (old passphrase)".into()], o.stdout, o.stderr));
    let o = env
        .wb()
        .env("MEDSEC_PASSPHRASE_FILE", env.path("new-pass"))
        .args(["rekey", "--new-passphrase-file", &out("pass")])
        .output()?;
    assert!(o.status.success());
    outputs.push((vec!["rekey back".into()], o.stdout, o.stderr));
    let o = env
        .wb()
        .env_remove("MEDSEC_PASSPHRASE_FILE")
        .env("MEDSEC_PASSPHRASE", new_pass)
        .arg("status")
        .output()?;
    assert_eq!(o.status.code(), Some(3));
    outputs.push((vec!["status (variable)".into()], o.stdout, o.stderr));
    for (args, stdout, stderr) in &outputs {
        for p in [PASSPHRASE, new_pass] {
            assert!(!contains(stdout, p.as_bytes()), "{args:?} printed it");
            assert!(!contains(stderr, p.as_bytes()), "{args:?} said it");
        }
    }
    // No file but the two passphrase files holds either passphrase.
    let mut scanned = 0;
    for f in files_under(env.dir.path()) {
        if f == env.path("pass") || f == env.path("new-pass") {
            continue;
        }
        for bytes in readable_bytes(&f)? {
            for p in [PASSPHRASE, new_pass] {
                assert!(!contains(&bytes, p.as_bytes()), "{} holds it", f.display());
                assert!(
                    !contains(&bytes, &utf16(p)),
                    "{} holds it (UTF-16)",
                    f.display()
                );
            }
        }
        scanned += 1;
    }
    assert!(scanned >= 25, "only {scanned} files");

    // A running medsec: its arguments and environment hold the file's path, not the passphrase.
    let input_dir = tempfile::tempdir()?;
    let scan = input_dir.path().join("scan.xml");
    nmap_scan(&scan, 3000, "host")?;
    let mut child = spawn(&env, &["import", "nmap", &scan.to_string_lossy()])?;
    let proc_dir = PathBuf::from(format!("/proc/{}", child.id()));
    let mut seen = 0;
    let start = Instant::now();
    while child.try_wait()?.is_none() && start.elapsed() < Duration::from_secs(120) {
        if let (Ok(cmdline), Ok(environ)) = (
            std::fs::read(proc_dir.join("cmdline")),
            std::fs::read(proc_dir.join("environ")),
        ) && !cmdline.is_empty()
        {
            assert!(contains(&cmdline, b"import"));
            for p in [PASSPHRASE, new_pass] {
                assert!(!contains(&cmdline, p.as_bytes()), "in the arguments");
                assert!(!contains(&environ, p.as_bytes()), "in the environment");
            }
            seen += 1;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait()?;
    assert!(seen > 0, "the import ended before it could be looked at");
    Ok(())
}

/// Text with escape sequences a hostile file could carry: CSI (colour, clear screen), OSC 52
/// (writes the clipboard), BEL, and the C1 CSI (U+009B).
const HOSTILE: &str = "Pump\u{1b}[5;7;9mBLINK\u{1b}]52;c;ZXZpbA==\u{7}\u{9b}2J\u{1b}[2JEND";

/// Whether terminal output holds any of the sequences in [`HOSTILE`] (ratatui's own drawing
/// never combines SGR 5;7;9 nor sends OSC 52, BEL or C1 controls).
fn hostile_sequences(bytes: &[u8]) -> Vec<&'static str> {
    let mut found = Vec::new();
    for (what, seq) in [
        ("CSI 5;7;9m", &b"\x1b[5;7;9m"[..]),
        ("OSC 52", &b"\x1b]52"[..]),
        ("BEL", &b"\x07"[..]),
        ("C1 CSI", &b"\xc2\x9b"[..]),
    ] {
        if contains(bytes, seq) {
            found.push(what);
        }
    }
    found
}

#[test]
fn escape_sequences_from_imported_data_never_reach_the_terminal_from_the_cli() -> TestResult {
    let env = Env::new()?;
    // Typed, and imported from an inventory CSV and an nmap scan (C1 and numeric references;
    // XML 1.0 cannot carry ESC itself).
    let typed = env
        .wb()
        .args([
            "device",
            "add",
            "--name",
            HOSTILE,
            "--serial-number",
            HOSTILE,
        ])
        .output()?;
    assert!(typed.status.success());
    let csv = env.path("inventory.csv");
    std::fs::write(
        &csv,
        format!("name,serial_number,location\n\"{HOSTILE} csv\",S-1,\"{HOSTILE}\"\n"),
    )?;
    let imported = env
        .wb()
        .args(["import", "inventory", &csv.to_string_lossy()])
        .output()?;
    let scan = env.path("scan.xml");
    std::fs::write(
        &scan,
        "<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\" start=\"1\"><host><status state=\"up\"/>\
         <address addr=\"10.0.0.9\" addrtype=\"ipv4\"/><hostnames>\
         <hostname name=\"nm\u{9b}2Jap&#x1b;[5;7;9m&#x7;\" type=\"PTR\"/></hostnames></host></nmaprun>",
    )?;
    let scanned = env
        .wb()
        .args(["import", "nmap", &scan.to_string_lossy()])
        .output()?;
    // An SBOM (JSON may carry any control character escaped) on the first device.
    let sbom = env.path("sbom.json");
    std::fs::write(
        &sbom,
        serde_json::json!({
            "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "components": [{"type": "library", "name": HOSTILE, "version": HOSTILE,
                "supplier": {"name": HOSTILE}, "purl": "pkg:generic/openssl@1.0"}]
        })
        .to_string(),
    )?;
    let sbom_dry = env
        .wb()
        .args([
            "import",
            "sbom",
            &sbom.to_string_lossy(),
            "--device",
            "DEV-0001",
            "--dry-run",
        ])
        .output()?;
    let sbom_import = env
        .wb()
        .args([
            "import",
            "sbom",
            &sbom.to_string_lossy(),
            "--device",
            "DEV-0001",
        ])
        .output()?;
    assert!(sbom_import.status.success());
    let mut outputs = vec![("device add", typed), ("import inventory", imported)];
    outputs.push(("import nmap", scanned));
    outputs.push(("import sbom --dry-run", sbom_dry));
    outputs.push(("import sbom", sbom_import));
    for args in [
        vec!["device", "list"],
        vec!["device", "list", "--json"],
        vec!["device", "show", "DEV-0001"],
        vec!["device", "show", "DEV-0001", "--json"],
        vec!["device", "show", "DEV-0002"],
        vec!["status"],
        vec!["risk", "list"],
        vec!["finding", "list"],
        vec!["verify"],
        // Errors naming a value.
        vec!["device", "show", HOSTILE],
        vec!["answer", HOSTILE, "ENC-01", "yes"],
        vec!["answer", "DEV-0001", HOSTILE, "yes"],
        vec!["answer", "DEV-0001", "ENC-01", HOSTILE],
        vec!["verify", "--expect", HOSTILE],
        vec!["export", "xlsx", "x.xlsx", "--as-of", HOSTILE],
    ] {
        let o = env.wb().args(&args).output()?;
        let label: &'static str = Box::leak(format!("{args:?}").into_boxed_str());
        outputs.push((label, o));
    }
    for (what, o) in &outputs {
        for (stream, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
            let found = hostile_sequences(bytes);
            assert!(
                found.is_empty(),
                "{what} {stream}: {found:?}: {}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
    // The typed name is kept (cleaned), not lost; the CSV with ESC bytes is refused as binary
    // (exit 4) or imported cleaned.
    let list = String::from_utf8(env.wb().args(["device", "list"]).output()?.stdout)?;
    assert!(list.contains("BLINK"), "{list}");
    let csv_code = outputs[1].1.status.code();
    assert!(
        csv_code == Some(4) || list.contains("csv"),
        "{csv_code:?}: {list}"
    );
    Ok(())
}

#[cfg(unix)]
#[test]
fn escape_sequences_from_imported_data_never_reach_the_terminal_from_the_tui() -> TestResult {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let env = Env::new()?;
    env.wb()
        .args(["device", "add", "--name", HOSTILE, "--site", HOSTILE])
        .assert()
        .success();
    let pty = native_pty_system().openpty(PtySize {
        rows: 24,
        cols: 100,
        pixel_width: 0,
        pixel_height: 0,
    })?;
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_medsec"));
    cmd.arg("-w");
    cmd.arg(env.workbook());
    cmd.env_clear();
    cmd.env("HOME", env.dir.path());
    cmd.env("TERM", "xterm-256color");
    cmd.env("MEDSEC_PASSPHRASE_FILE", env.path("pass"));
    let mut child = pty.slave.spawn_command(cmd)?;
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader()?;
    let writer = Arc::new(Mutex::new(pty.master.take_writer()?));
    let seen = Arc::new(Mutex::new(Vec::<u8>::new()));
    let (out, answer) = (Arc::clone(&seen), Arc::clone(&writer));
    std::thread::spawn(move || {
        let _master = pty.master;
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            if buf[..n].windows(4).any(|w| w == b"\x1b[6n")
                && let Ok(mut w) = answer.lock()
            {
                let _ = w.write_all(b"\x1b[1;1R");
                let _ = w.flush();
            }
            if let Ok(mut s) = out.lock() {
                s.extend_from_slice(&buf[..n]);
            }
        }
    });
    let wait_for = |what: &[u8]| -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if seen.lock().map(|s| contains(&s, what)).unwrap_or(false) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    };
    let shown = wait_for(b"BLINK");
    // Open the device (its checklist shows the name and location again), then quit.
    if let Ok(mut w) = writer.lock() {
        w.write_all(b"\r")?;
        w.flush()?;
    }
    std::thread::sleep(Duration::from_millis(1500));
    if let Ok(mut w) = writer.lock() {
        w.write_all(b"\x1bq")?;
        w.flush()?;
    }
    std::thread::sleep(Duration::from_millis(1000));
    let _ = child.kill();
    let _ = child.wait();
    let bytes = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert!(
        shown,
        "the device never appeared: {}",
        String::from_utf8_lossy(&bytes)
    );
    let found = hostile_sequences(&bytes);
    assert!(found.is_empty(), "the TUI sent {found:?}");
    Ok(())
}

/// A local file an external entity points at; its content must never appear anywhere.
const SECRET: &str = "TOP-SECRET-LOCAL-FILE-CONTENT-8812";

/// A DOCTYPE with an external SYSTEM entity at `secret` and a "billion laughs" entity bomb.
fn hostile_doctype(root: &str, secret: &Path) -> String {
    let mut d = format!(
        "<!DOCTYPE {root} [\n<!ENTITY xxe SYSTEM \"file://{}\">\n<!ENTITY lol \"lol\">\n",
        secret.display()
    );
    d.push_str("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for i in 2..=9 {
        let prev = format!("&lol{};", i - 1).repeat(10);
        d.push_str(&format!("<!ENTITY lol{i} \"{prev}\">\n"));
    }
    d.push_str("]>\n");
    d
}

fn assert_no_expansion(env: &Env, what: &str, out: &std::process::Output, took: Duration) {
    assert!(took < Duration::from_secs(30), "{what} took {took:?}");
    for bytes in [&out.stdout, &out.stderr] {
        assert!(
            !contains(bytes, SECRET.as_bytes()),
            "{what}: file content shown"
        );
        assert!(!contains(bytes, b"lollollol"), "{what}: entities expanded");
    }
    let list = env
        .wb()
        .args(["device", "list", "--json"])
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default();
    assert!(
        !contains(&list, SECRET.as_bytes()),
        "{what}: file content stored"
    );
    assert!(!contains(&list, b"lollollol"), "{what}: entities stored");
}

#[test]
fn xml_entities_are_never_expanded_or_fetched() -> TestResult {
    let env = Env::new()?;
    let secret = env.path("secret.txt");
    std::fs::write(&secret, SECRET)?;

    // nmap XML: the entities in a hostname and in an attribute.
    let scan = env.path("scan.xml");
    std::fs::write(
        &scan,
        format!(
            "<?xml version=\"1.0\"?>\n{}<nmaprun scanner=\"nmap\" start=\"1\"><host><status state=\"up\"/>\
             <address addr=\"10.0.0.7\" addrtype=\"ipv4\"/><hostnames><hostname name=\"&xxe;&lol9;\" type=\"PTR\"/>\
             </hostnames><os><osmatch name=\"&lol9;\" accuracy=\"90\"/></os></host>&xxe;&lol9;</nmaprun>\n",
            hostile_doctype("nmaprun", &secret)
        ),
    )?;
    for dry in [true, false] {
        let mut args = vec!["import", "nmap"];
        let s = scan.to_string_lossy().into_owned();
        args.push(&s);
        if dry {
            args.push("--dry-run");
        }
        let start = Instant::now();
        let out = env.wb().args(&args).output()?;
        assert_no_expansion(&env, &format!("{args:?}"), &out, start.elapsed());
    }

    // xlsx: the same DOCTYPE in sharedStrings.xml and in the sheet.
    let plain = env.path("plain.xlsx");
    {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "name")?;
        sheet.write_string(0, 1, "serial_number")?;
        sheet.write_string(1, 0, "Entity pump")?;
        sheet.write_string(1, 1, "ENT-1")?;
        book.save(&plain)?;
    }
    let hostile = env.path("hostile.xlsx");
    {
        let mut src = zip::ZipArchive::new(std::fs::File::open(&plain)?)?;
        let mut dst = zip::ZipWriter::new(std::fs::File::create(&hostile)?);
        let opts = zip::write::SimpleFileOptions::default();
        for i in 0..src.len() {
            let mut m = src.by_index(i)?;
            let name = m.name().to_string();
            let mut text = String::new();
            m.read_to_string(&mut text)?;
            if name.ends_with("sharedStrings.xml") || name.ends_with("sheet1.xml") {
                // After the XML declaration: the DOCTYPE; then an entity in a string.
                let decl_end = text.find("?>").map(|i| i + 2).unwrap_or(0);
                text.insert_str(decl_end, &hostile_doctype("sst", &secret));
                text = text.replacen("Entity pump", "Entity pump &xxe;&lol9;", 1);
            }
            dst.start_file(name, opts)?;
            dst.write_all(text.as_bytes())?;
        }
        dst.finish()?;
    }
    for dry in [true, false] {
        let s = hostile.to_string_lossy().into_owned();
        let mut args = vec!["import", "inventory", s.as_str()];
        if dry {
            args.push("--dry-run");
        }
        let start = Instant::now();
        let out = env.wb().args(&args).output()?;
        assert_no_expansion(&env, &format!("{args:?}"), &out, start.elapsed());
    }
    env.wb().arg("verify").assert().success();
    Ok(())
}

#[cfg(unix)]
#[test]
fn everything_medsec_writes_is_owner_only_whatever_the_umask() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new()?;
    let home = env.dir.path();
    // `sh -c 'umask 022; exec medsec ARGS'`.
    let run = |args: &[&str]| -> TestResult {
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg("umask 022; exec \"$@\"")
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_medsec"))
            .args(args)
            .env_clear()
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("MEDSEC_PASSPHRASE_FILE", home.join("pass"))
            .env("MEDSEC_NEW_PASSPHRASE_FILE", home.join("pass2"))
            .output()?;
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        Ok(())
    };
    std::fs::write(home.join("pass2"), "another long passphrase\n")?;
    std::fs::set_permissions(home.join("pass2"), std::fs::Permissions::from_mode(0o600))?;
    std::fs::write(home.join("photo.txt"), "x")?;
    std::fs::write(home.join("inv.csv"), "name,serial_number\nMonitor,77\n")?;
    let p = |n: &str| home.join(n).to_string_lossy().into_owned();
    let w = p("made/here/w.medsec");
    run(&["init", &w])?;
    for args in [
        vec!["device", "add", "--name", "Pump"],
        vec!["evidence", "add", "DEV-0001", "ENC-01", &p("photo.txt")],
        vec![
            "import",
            "inventory",
            &p("inv.csv"),
            "--report",
            &p("report.txt"),
        ],
        vec!["export", "xlsx", &p("o.xlsx")],
        vec!["export", "template", &p("t.xlsx")],
        vec!["export", "csv", &p("csv")],
        vec!["export", "json", &p("o.json")],
        vec!["export", "html", &p("o.html")],
        vec!["export", "markdown", &p("o.md")],
        vec!["export", "evidence", &p("o.zip")],
        vec!["evidence", "extract", "A-0001", &p("extracted.txt")],
        vec!["backup", &p("b.medsec")],
        vec!["rekey"],
    ] {
        let mut full = vec!["-w", w.as_str()];
        full.extend(args);
        run(&full)?;
    }
    run(&["demo", &p("demo.medsec"), "--no-open", "--devices", "3"])?;
    let mode = |path: &Path| -> Result<u32, std::io::Error> {
        Ok(std::fs::metadata(path)?.permissions().mode() & 0o777)
    };
    for dir in ["made", "made/here", "csv"] {
        assert_eq!(mode(&home.join(dir))?, 0o700, "{dir}");
    }
    let mut files = vec![
        "made/here/w.medsec",
        "report.txt",
        "o.xlsx",
        "t.xlsx",
        "o.json",
        "o.html",
        "o.md",
        "o.zip",
        "extracted.txt",
        "b.medsec",
        "demo.medsec",
    ];
    let csv: Vec<String> = std::fs::read_dir(home.join("csv"))?
        .filter_map(Result::ok)
        .map(|e| format!("csv/{}", e.file_name().to_string_lossy()))
        .collect();
    assert!(csv.len() > 10);
    files.extend(csv.iter().map(String::as_str));
    for f in files {
        assert_eq!(mode(&home.join(f))?, 0o600, "{f}");
    }
    Ok(())
}
