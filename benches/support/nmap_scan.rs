//! Synthetic nmap `-oX` output of a clinical network sweep, for the import benchmarks and the
//! peers' comparison (`benches/peers/`): `N` hosts, all up, in 10.x.y.z from 10.0.0.1 on, each
//! with a MAC address and its vendor, a PTR hostname, 2–6 open ports of the services found on
//! medical device networks (DICOM 104/11112, HL7 2575, HTTP, HTTPS, SSH, RDP, SMB, VNC, telnet)
//! with product, version and CPE, an OS guess with classes and CPEs, uptime and distance — the
//! shape of `nmap -sV -O -oX` (nmap 7.94, xmloutputversion 1.05). About 1.8 KB per host: 65,536
//! hosts make about 120 MB.
//!
//! The same `hosts` and `seed` always give the same bytes.

use std::io::{self, Write};

/// (port, service name, product, version, CPE)
const SERVICES: &[(u16, &str, &str, &str, &str)] = &[
    (104, "dicom", "DICOM", "3.0", "cpe:/a:dcmtk:dcmtk:3.6.7"),
    (
        11112,
        "dicom",
        "Merge DICOM Toolkit",
        "5.12",
        "cpe:/a:merge:dicom_toolkit:5.12",
    ),
    (2575, "hl7", "HL7 MLLP listener", "2.5.1", "cpe:/a:hl7:mllp"),
    (
        80,
        "http",
        "Microsoft IIS httpd",
        "7.5",
        "cpe:/a:microsoft:internet_information_services:7.5",
    ),
    (
        443,
        "https",
        "Apache httpd",
        "2.4.41",
        "cpe:/a:apache:http_server:2.4.41",
    ),
    (22, "ssh", "OpenSSH", "7.4", "cpe:/a:openbsd:openssh:7.4"),
    (
        3389,
        "ms-wbt-server",
        "Microsoft Terminal Services",
        "",
        "cpe:/o:microsoft:windows",
    ),
    (
        445,
        "microsoft-ds",
        "Microsoft Windows 7 - 10 microsoft-ds",
        "",
        "cpe:/o:microsoft:windows",
    ),
    (5900, "vnc", "RealVNC", "4.1", "cpe:/a:realvnc:realvnc:4.1"),
    (
        23,
        "telnet",
        "VxWorks telnetd",
        "6.9",
        "cpe:/o:windriver:vxworks:6.9",
    ),
];

/// (OS name, family, generation, vendor, CPE)
const SYSTEMS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "Microsoft Windows 7 SP1",
        "Windows",
        "7",
        "Microsoft",
        "cpe:/o:microsoft:windows_7::sp1",
    ),
    (
        "Microsoft Windows 10 1809",
        "Windows",
        "10",
        "Microsoft",
        "cpe:/o:microsoft:windows_10:1809",
    ),
    (
        "Microsoft Windows XP SP3",
        "Windows",
        "XP",
        "Microsoft",
        "cpe:/o:microsoft:windows_xp::sp3",
    ),
    (
        "Linux 3.10 - 4.11",
        "Linux",
        "3.X",
        "Linux",
        "cpe:/o:linux:linux_kernel:3",
    ),
    (
        "Wind River VxWorks 6.9",
        "VxWorks",
        "6.X",
        "Wind River",
        "cpe:/o:windriver:vxworks:6.9",
    ),
    ("QNX 6.5.0", "QNX", "6.X", "QNX", "cpe:/o:qnx:qnx:6.5.0"),
];

/// (MAC prefix, vendor as nmap prints it)
const VENDORS: &[(&str, &str)] = &[
    ("00:1A:01", "Smiths Medical"),
    ("00:09:FB", "Philips Patient Monitoring"),
    ("00:30:E6", "Draeger Medical Systems"),
    ("00:1B:DE", "GE Healthcare"),
    ("00:0E:8C", "Siemens Healthineers"),
    ("00:21:A9", "Mindray"),
    ("00:60:5F", "Baxter Healthcare"),
    ("00:13:FA", "B. Braun Melsungen"),
];

const KINDS: &[&str] = &["pump", "mon", "vent", "ct", "us", "pacs", "lab", "ecg"];

/// A small deterministic generator (SplitMix64), so the file never depends on a crate's
/// version.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0..n
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Writes the scan of `hosts` hosts to `out` (buffer it: this makes many small writes).
///
/// Errors: only `out`'s.
pub fn write_scan(out: &mut impl Write, hosts: usize, seed: u64) -> io::Result<()> {
    let mut rng = Mix(seed);
    let start: u64 = 1_764_460_800; // 2025-11-30 00:00:00 UTC
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, "<!DOCTYPE nmaprun>")?;
    writeln!(
        out,
        r#"<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>"#
    )?;
    writeln!(
        out,
        r#"<nmaprun scanner="nmap" args="nmap -sV -O -T4 -oX sweep.xml 10.0.0.0/16" start="{start}" startstr="Sun Nov 30 00:00:00 2025" version="7.94" xmloutputversion="1.05">"#
    )?;
    writeln!(
        out,
        r#"<scaninfo type="syn" protocol="tcp" numservices="1000" services="1,3-4,6-7,9,13,17,19-26,30,32-33,37,42-43,49,53,70,79-85,88-90,99-100,104,106,109-111,113,119,125,135,139,143-144,146,161,163,179,199,211-212,222,254-256,259,264,280,301,306,311,340,366,389,406-407,416-417,425,427,443-445,458,464-465,481,497,500,512-515,524,541,543-545,548,554-555,563,587,593,616-617,625,631,636,646,648,666-668,683,687,691,700,705,711,714,720,722,726,749,765,777,783,787,800-801,808,843,873,880,888,898,900-903,911-912,981,987,990,992-993,995,999-1002,2575,3389,5900,11112"/>"#
    )?;
    writeln!(out, r#"<verbose level="0"/>"#)?;
    writeln!(out, r#"<debugging level="0"/>"#)?;
    for n in 0..hosts {
        // 10.0.0.1 on, skipping .0 and .255 in the last octet.
        let a = (n / 254 / 256) % 256;
        let b = (n / 254) % 256;
        let c = n % 254 + 1;
        let ip = format!("10.{a}.{b}.{c}");
        let t0 = start + (n as u64) / 8;
        let (prefix, vendor) = VENDORS[rng.below(VENDORS.len())];
        let kind = KINDS[rng.below(KINDS.len())];
        // Unique per host (a sweep of distinct devices): the host's number in the last three
        // bytes.
        let mac = format!(
            "{prefix}:{:02X}:{:02X}:{:02X}",
            (n >> 16) & 0xFF,
            (n >> 8) & 0xFF,
            n & 0xFF
        );
        writeln!(
            out,
            r#"<host starttime="{t0}" endtime="{}"><status state="up" reason="arp-response" reason_ttl="0"/>"#,
            t0 + 31
        )?;
        writeln!(out, r#"<address addr="{ip}" addrtype="ipv4"/>"#)?;
        writeln!(
            out,
            r#"<address addr="{mac}" addrtype="mac" vendor="{vendor}"/>"#
        )?;
        writeln!(out, "<hostnames>")?;
        writeln!(
            out,
            r#"<hostname name="{kind}-{a:02}{b:03}{c:03}.clin.example.org" type="PTR"/>"#
        )?;
        writeln!(out, "</hostnames>")?;
        let open = 2 + rng.below(5);
        writeln!(
            out,
            r#"<ports><extraports state="closed" count="{}">"#,
            1000 - open
        )?;
        writeln!(
            out,
            r#"<extrareasons reason="resets" count="{}"/>"#,
            1000 - open
        )?;
        writeln!(out, "</extraports>")?;
        let first = rng.below(SERVICES.len());
        let mut ports: Vec<&(u16, &str, &str, &str, &str)> = (0..open)
            .map(|i| &SERVICES[(first + i * 3) % SERVICES.len()])
            .collect();
        ports.sort_by_key(|s| s.0);
        ports.dedup_by_key(|s| s.0);
        for (port, name, product, version, cpe) in ports {
            let version = if version.is_empty() {
                String::new()
            } else {
                format!(r#" version="{version}""#)
            };
            writeln!(
                out,
                r#"<port protocol="tcp" portid="{port}"><state state="open" reason="syn-ack" reason_ttl="128"/><service name="{name}" product="{product}"{version} method="probed" conf="10"><cpe>{cpe}</cpe></service></port>"#
            )?;
        }
        writeln!(out, "</ports>")?;
        let (os, family, generation, os_vendor, os_cpe) = SYSTEMS[rng.below(SYSTEMS.len())];
        let accuracy = 85 + rng.below(16);
        writeln!(out, "<os>")?;
        writeln!(
            out,
            r#"<portused state="open" proto="tcp" portid="{}"/>"#,
            SERVICES[first].0
        )?;
        writeln!(out, r#"<portused state="closed" proto="tcp" portid="1"/>"#)?;
        writeln!(
            out,
            r#"<osmatch name="{os}" accuracy="{accuracy}" line="{}">"#,
            10_000 + rng.below(90_000)
        )?;
        writeln!(
            out,
            r#"<osclass type="general purpose" vendor="{os_vendor}" osfamily="{family}" osgen="{generation}" accuracy="{accuracy}"><cpe>{os_cpe}</cpe></osclass>"#
        )?;
        writeln!(out, "</osmatch>")?;
        writeln!(out, "</os>")?;
        writeln!(
            out,
            r#"<uptime seconds="{}" lastboot="Sat Nov 29 02:13:07 2025"/>"#,
            rng.below(3_000_000)
        )?;
        writeln!(out, r#"<distance value="1"/>"#)?;
        writeln!(
            out,
            r#"<tcpsequence index="260" difficulty="Good luck!" values="A1B2C3D4,A1B2C3E5,A1B2C3F6,A1B2C407,A1B2C418,A1B2C429"/>"#
        )?;
        writeln!(
            out,
            r#"<times srtt="{}" rttvar="{}" to="100000"/>"#,
            200 + rng.below(2000),
            100 + rng.below(500)
        )?;
        writeln!(out, "</host>")?;
    }
    let end = start + (hosts as u64) / 8 + 60;
    writeln!(
        out,
        r#"<runstats><finished time="{end}" timestr="Sun Nov 30 02:16:32 2025" summary="Nmap done; {hosts} IP addresses ({hosts} hosts up) scanned" elapsed="{}" exit="success"/><hosts up="{hosts}" down="0" total="{hosts}"/>"#,
        end - start
    )?;
    writeln!(out, "</runstats>")?;
    writeln!(out, "</nmaprun>")?;
    Ok(())
}
