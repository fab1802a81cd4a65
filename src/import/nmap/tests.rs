//! Tests across the parser: every corpus file, truncation anywhere, and the shared helpers of
//! the nmap tests.

use std::io;
use std::path::{Path, PathBuf};

use chrono::DateTime;

use super::*;
use crate::device::NetworkService;

/// What a test returns: any error fails it.
pub(super) type TestResult = Result<(), Box<dyn std::error::Error>>;

pub(super) const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/nmap");

pub(super) fn corpus(name: &str) -> PathBuf {
    Path::new(CORPUS).join(name)
}

fn corpus_bytes(name: &str) -> Result<Vec<u8>, io::Error> {
    std::fs::read(corpus(name))
}

pub(super) fn parse_str(xml: &str) -> Result<Scan, NmapError> {
    parse(xml.as_bytes())
}

/// What a corpus file gives.
enum Expect {
    /// Up hosts, hosts not up, open services in all up hosts, hosts with a MAC, hosts with
    /// at least one hostname.
    Scan {
        up: usize,
        down: usize,
        services: usize,
        macs: usize,
        named: usize,
    },
    /// The error: its line and a piece of its message.
    Error { line: u64, says: &'static str },
}

const fn scan(up: usize, down: usize, services: usize, macs: usize, named: usize) -> Expect {
    Expect::Scan {
        up,
        down,
        services,
        macs,
        named,
    }
}

/// Every file in the corpus directory, with what it must give.
const CASES: &[(&str, Expect)] = &[
    ("libnmap-1_hosts_down.xml", scan(1, 0, 0, 0, 0)),
    ("libnmap-1_os_banner_scripts.xml", scan(1, 0, 8, 0, 1)),
    ("libnmap-2_hosts_version.xml", scan(2, 0, 8, 0, 2)),
    (
        "libnmap-defused_et_local_includer.xml",
        Expect::Error {
            line: 2,
            says: "declares XML entities",
        },
    ),
    ("libnmap-dionaea_scan.xml", scan(1, 0, 16, 1, 1)),
    ("libnmap-full_sudo6.xml", scan(4, 252, 12, 3, 0)),
    ("libnmap-os_scan6.xml", scan(3, 253, 11, 2, 0)),
    ("nmap-ndiff-complex.xml", scan(1, 0, 4, 0, 1)),
    ("nmap-ndiff-empty.xml", scan(0, 0, 0, 0, 0)),
    ("nmap-ndiff-random-1.xml", scan(55, 0, 89, 0, 36)),
    ("nmap-parser-perl-nmap_results.xml", scan(3, 1, 14, 1, 3)),
    ("nmap-radialnet-nmap_example.xml", scan(8, 0, 32, 0, 7)),
    ("nmap-zenmap-nmap-output-error.xml", scan(1, 0, 6, 0, 1)),
    ("nmap-zenmap-xml_test11.xml", scan(4, 0, 6, 3, 3)),
    (
        "nmap.dtd",
        Expect::Error {
            line: 45,
            says: "not an nmap XML scan",
        },
    ),
    ("ullaakut-scan_base.xml", scan(1, 0, 1, 0, 1)),
    (
        "ullaakut-scan_error_resolving_name.xml",
        scan(0, 0, 0, 0, 0),
    ),
    ("ullaakut-scan_invalid_services.xml", scan(4, 0, 5, 0, 0)),
];

#[test]
fn every_corpus_file_parses_or_fails_with_a_line() -> TestResult {
    let mut on_disk: Vec<String> = std::fs::read_dir(CORPUS)?
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|(name, _)| name.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every corpus file has an expectation");

    for (name, expect) in CASES {
        let result = parse_file(&corpus(name));
        match (expect, result) {
            (
                Expect::Scan {
                    up,
                    down,
                    services,
                    macs,
                    named,
                },
                Ok(scan),
            ) => {
                assert_eq!(scan.hosts.len(), *up, "{name}: up hosts");
                assert_eq!(scan.hosts_down, *down, "{name}: hosts not up");
                let total: usize = scan.hosts.iter().map(|h| h.services.len()).sum();
                assert_eq!(total, *services, "{name}: open services");
                let with_mac = scan.hosts.iter().filter(|h| h.mac.is_some()).count();
                assert_eq!(with_mac, *macs, "{name}: hosts with a MAC");
                let with_name = scan
                    .hosts
                    .iter()
                    .filter(|h| !h.hostnames.is_empty())
                    .count();
                assert_eq!(with_name, *named, "{name}: hosts with a hostname");
                for host in &scan.hosts {
                    assert!(host.line > 1, "{name}: host line");
                    assert!(
                        !host.ipv4.is_empty() || !host.ipv6.is_empty(),
                        "{name}: host at line {} has an IP",
                        host.line
                    );
                }
            }
            (Expect::Error { line, says }, Err(err)) => {
                assert_eq!(err.line(), Some(*line), "{name}: {err}");
                let text = err.to_string();
                assert!(
                    text.starts_with(&format!("line {line}: ")),
                    "{name}: {text}"
                );
                assert!(text.contains(says), "{name}: {text}");
            }
            (Expect::Scan { .. }, Err(err)) => panic!("{name} should parse: {err}"),
            (Expect::Error { .. }, Ok(scan)) => panic!("{name} should fail: {scan:?}"),
        }
    }
    Ok(())
}

#[test]
fn full_sudo6_has_four_up_hosts_three_with_mac_and_vendor() -> TestResult {
    let scan = parse_file(&corpus("libnmap-full_sudo6.xml"))?;
    assert_eq!(scan.nmap_version.as_deref(), Some("6.40-2"));
    assert_eq!(scan.started, DateTime::from_timestamp(1_399_586_452, 0));
    assert_eq!(scan.hosts.len(), 4);
    assert_eq!(scan.hosts_down, 252);
    let seen: Vec<(u64, &str, Option<&str>, Option<&str>)> = scan
        .hosts
        .iter()
        .map(|h| {
            (
                h.line,
                h.ipv4.first().map(String::as_str).unwrap_or(""),
                h.mac.as_deref(),
                h.mac_vendor.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                777,
                "192.168.1.1",
                Some("6C:2E:85:19:AF:00"),
                Some("Sagemcom")
            ),
            (915, "192.168.1.2", Some("C0:63:94:05:01:03"), Some("Apple")),
            (
                935,
                "192.168.1.5",
                Some("00:1F:3C:87:66:50"),
                Some("Intel Corporate")
            ),
            (982, "192.168.1.3", None, None),
        ]
    );
    let first = scan.hosts.first().ok_or("no host")?;
    assert_eq!(
        first.os_guess.as_deref(),
        Some("Linux 2.6.13 (embedded) (100%)")
    );
    assert_eq!(first.last_seen, DateTime::from_timestamp(1_399_586_579, 0));
    assert_eq!(first.services.len(), 6);
    let rdp = scan
        .hosts
        .iter()
        .flat_map(|h| &h.services)
        .any(|s| s.service.contains("ms-wbt-server"));
    assert!(rdp, "RDP is among the services");
    Ok(())
}

#[test]
fn two_hosts_version_lines_names_and_os() -> TestResult {
    let scan = parse_file(&corpus("libnmap-2_hosts_version.xml"))?;
    let lines: Vec<u64> = scan.hosts.iter().map(|h| h.line).collect();
    assert_eq!(lines, vec![14, 52]);
    let [local, scanme] = scan.hosts.as_slice() else {
        return Err("two hosts expected".into());
    };
    // user and PTR names are the same: listed once.
    assert_eq!(local.hostnames, vec!["localhost".to_string()]);
    assert_eq!(scanme.hostnames, vec!["scanme.nmap.org".to_string()]);
    assert_eq!(scanme.ipv4, vec!["74.207.244.221".to_string()]);
    // The best of 10 osmatch entries.
    assert_eq!(scanme.os_guess.as_deref(), Some("Netgear DG834G WAP (92%)"));
    assert_eq!(scanme.last_seen, DateTime::from_timestamp(1_361_737_830, 0));
    Ok(())
}

#[test]
fn old_nmap_3_75_with_repeated_mac_warns() -> TestResult {
    let scan = parse_file(&corpus("nmap-zenmap-xml_test11.xml"))?;
    assert_eq!(scan.nmap_version.as_deref(), Some("3.75"));
    let macs: Vec<Option<&str>> = scan.hosts.iter().map(|h| h.mac.as_deref()).collect();
    assert_eq!(
        macs,
        vec![
            Some("00:E0:7D:F5:00:7D"),
            Some("00:90:D0:1C:85:AD"),
            Some("00:E0:7D:F5:00:7D"),
            None
        ]
    );
    let vendor = scan.hosts.get(1).and_then(|h| h.mac_vendor.as_deref());
    assert_eq!(vendor, Some("Thomson Belgium"));
    // No host times in 3.75: last seen is the start of the run.
    assert!(scan.hosts.iter().all(|h| h.last_seen == scan.started));
    assert!(scan.started.is_some());
    // Two osmatch entries at 100%: the first wins.
    let last = scan.hosts.last().ok_or("no host")?;
    assert_eq!(
        last.os_guess.as_deref(),
        Some("Linux 2.5.25 - 2.6.3 or Gentoo 1.2 Linux 2.4.19 rc1-rc7) (100%)")
    );
    assert!(
        scan.warnings
            .iter()
            .any(|(line, msg)| *line == 45 && msg.contains("also on the host at line 7")),
        "{:?}",
        scan.warnings
    );
    Ok(())
}

#[test]
fn malformed_structure_is_read_with_warnings() -> TestResult {
    let scan = parse_file(&corpus("ullaakut-scan_invalid_services.xml"))?;
    let ports: Vec<Vec<String>> = scan
        .hosts
        .iter()
        .map(|h| h.services.iter().map(NetworkService::display).collect())
        .collect();
    assert_eq!(
        ports,
        vec![
            vec!["80/tcp http VALID", "443/tcp https VALID"],
            vec!["443/tcp https INVALID"],
            vec!["80/tcp http INVALID"],
            vec!["80/tcp http INVALID"],
        ]
    );
    let count = |needle: &str| {
        scan.warnings
            .iter()
            .filter(|(_, m)| m.contains(needle))
            .count()
    };
    assert_eq!(count("no <status>"), 4);
    assert_eq!(count("no addrtype"), 4);
    assert_eq!(count("no protocol"), 5);
    let lines: Vec<u64> = scan.warnings.iter().map(|(line, _)| *line).collect();
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted, "warnings are in file order");
    Ok(())
}

#[test]
fn empty_scans() -> TestResult {
    let scan = parse_file(&corpus("nmap-ndiff-empty.xml"))?;
    assert!(scan.hosts.is_empty());
    assert_eq!(scan.nmap_version.as_deref(), Some("4.90RC2"));
    let scan = parse_file(&corpus("ullaakut-scan_error_resolving_name.xml"))?;
    assert!(scan.hosts.is_empty());
    assert!(
        scan.warnings
            .iter()
            .any(|(line, m)| *line == 4 && m.contains("Error resolving name localhost"))
    );
    let scan = parse_str("<nmaprun/>")?;
    assert!(scan.hosts.is_empty());
    Ok(())
}

#[test]
fn truncated_files_fail_with_a_line() -> TestResult {
    for (name, expect) in CASES {
        if !matches!(expect, Expect::Scan { .. }) {
            continue;
        }
        let bytes = corpus_bytes(name)?;
        let half = bytes.get(..bytes.len() / 2).ok_or("cut")?;
        let err = parse(half)
            .err()
            .ok_or(format!("{name} cut in half must fail"))?;
        let line = err.line().ok_or(format!("{name}: {err} names no line"))?;
        assert!(line >= 1);
        assert!(
            err.to_string().starts_with(&format!("line {line}: ")),
            "{name}: {err}"
        );
    }
    // Cut anywhere before </nmaprun>: always an error, never a panic.
    let bytes = corpus_bytes("libnmap-full_sudo6.xml")?;
    let text = String::from_utf8_lossy(&bytes);
    let end = text.rfind("</nmaprun>").ok_or("no end tag")?;
    for cut in (0..end).step_by(997).chain([end - 1, end]) {
        let part = bytes.get(..cut).ok_or("cut")?;
        assert!(parse(part).is_err(), "cut at {cut} must fail");
    }
    let scan = parse(bytes.get(..end + "</nmaprun>".len()).ok_or("cut")?)?;
    assert_eq!(scan.hosts.len(), 4);
    // The line of a cut inside a host.
    let host = text
        .find("<host starttime=\"1399586452\" endtime=\"1399586591\"")
        .ok_or("host")?;
    // Inside the <status> tag on the host's line: the tag is not closed.
    let part = bytes.get(..host + 60).ok_or("cut")?;
    assert!(matches!(parse(part), Err(NmapError::Xml { line: 915, .. })));
    // After the host's first line: the host is not closed.
    let eol = host + text.get(host..).and_then(|t| t.find('\n')).ok_or("eol")?;
    let part = bytes.get(..=eol).ok_or("cut")?;
    match parse(part) {
        Err(NmapError::Truncated {
            line,
            element,
            opened,
        }) => {
            assert_eq!((line, opened), (915, 915));
            assert_eq!(element, "host");
        }
        other => return Err(format!("expected truncation: {other:?}").into()),
    }
    Ok(())
}

#[test]
fn file_size_is_checked_before_reading() -> TestResult {
    let file = tempfile::NamedTempFile::new()?;
    file.as_file().set_len(MAX_FILE_BYTES + 1)?;
    match parse_file(file.path()) {
        Err(NmapError::TooLarge { bytes }) => assert_eq!(bytes, MAX_FILE_BYTES + 1),
        other => return Err(format!("expected too large: {other:?}").into()),
    }
    let missing = Path::new(CORPUS).join("no-such-scan.xml");
    assert!(matches!(parse_file(&missing), Err(NmapError::Open { .. })));
    Ok(())
}

#[test]
fn progress_counts_the_bytes_of_the_file() -> TestResult {
    let path = corpus("nmap-ndiff-random-1.xml");
    let size = std::fs::metadata(&path)?.len();
    let mut recorder = crate::progress::Recorder::default();
    let scan = parse_file_with_progress(&path, &mut recorder)?;
    assert_eq!(scan, parse_file(&path)?);
    assert_eq!(recorder.stages, [crate::progress::Stage::Reading]);
    assert_eq!(recorder.check()?, [(crate::progress::Stage::Reading, size)]);
    // The 132 KiB file is read in 64 KiB chunks: several updates, not one.
    assert!(recorder.updates.len() >= 3, "{:?}", recorder.updates);
    Ok(())
}

#[test]
fn streaming_hands_over_the_same_hosts_in_order_and_the_same_errors() -> TestResult {
    for (name, _) in CASES {
        let whole = parse_file(&corpus(name));
        let mut hosts = Vec::new();
        let streamed = parse_file_streaming(&corpus(name), &mut NoProgress, &mut |h| hosts.push(h));
        match (whole, streamed) {
            (Ok(whole), Ok(streamed)) => {
                assert!(
                    streamed.hosts.is_empty(),
                    "{name}: hosts are handed over, not kept"
                );
                assert_eq!(hosts, whole.hosts, "{name}");
                assert_eq!(streamed.warnings, whole.warnings, "{name}");
                assert_eq!(streamed.hosts_down, whole.hosts_down, "{name}");
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
            (a, b) => panic!("{name}: whole {:?} but streamed {:?}", a.is_ok(), b.is_ok()),
        }
    }
    Ok(())
}
