//! What a scan gives: the up hosts with their data, the hosts not up and the warnings.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::device::NetworkService;

/// One host that nmap reported up (or that had no status at all).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ScanHost {
    /// 1-based line of the `<host>` start tag.
    pub line: u64,
    /// IPv4 addresses in dotted form (`192.168.1.5`), without duplicates, in file order.
    pub ipv4: Vec<String>,
    /// IPv6 addresses in canonical compressed form (`fe80::1`), without duplicates.
    pub ipv6: Vec<String>,
    /// MAC address normalised to `AA:BB:CC:DD:EE:FF` (the first one, if a host lists several).
    pub mac: Option<String>,
    /// Vendor nmap derived from the MAC prefix (`Intel Corporate`).
    pub mac_vendor: Option<String>,
    /// User-given and PTR names, deduplicated ignoring ASCII case, in file order.
    pub hostnames: Vec<String>,
    /// Best `<osmatch>` (highest accuracy, the first one on a tie): `Linux 3.2 - 4.9 (96%)`.
    pub os_guess: Option<String>,
    /// Ports in state `open` (not `open|filtered`), in file order, each port/protocol once.
    pub services: Vec<NetworkService>,
    /// Number of ports in state `open|filtered`, which are not in [`ScanHost::services`].
    pub open_filtered: usize,
    /// The host's `endtime`, else its `starttime`, else the start of the run.
    pub last_seen: Option<DateTime<Utc>>,
}

/// Everything read from one nmap XML file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Scan {
    /// `nmaprun@version`, e.g. `7.91` or `3.75`.
    pub nmap_version: Option<String>,
    /// `nmaprun@start`.
    pub started: Option<DateTime<Utc>>,
    /// `runstats/finished@time`.
    pub finished: Option<DateTime<Utc>>,
    /// Hosts whose status is `up`, and hosts with no `<status>` (see the warnings), in file order.
    pub hosts: Vec<ScanHost>,
    /// Hosts not kept because their status is not `up` (`down`, or odd values, which also warn).
    pub hosts_down: usize,
    /// `(line, message)` for everything skipped or odd, in file order; at most
    /// [`MAX_WARNINGS`](super::MAX_WARNINGS) are listed, then one more gives the count of the rest.
    pub warnings: Vec<(u64, String)>,
}
