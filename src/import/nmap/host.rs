//! `<host>`: status, addresses, hostnames and the best OS match, kept when the host is up.

use std::collections::HashSet;
use std::fmt::Display;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use quick_xml::events::BytesStart;

use super::attrs::short;
use super::parser::Parser;
use super::{NmapError, ScanHost};
use crate::device::fields::normalize_mac;

/// A `<host>` being read.
#[derive(Debug, Default)]
pub(super) struct HostDraft {
    pub(super) host: ScanHost,
    status: Option<String>,
    started: Option<DateTime<Utc>>,
    ended: Option<DateTime<Utc>>,
    pub(super) ports_seen: HashSet<(u16, String)>,
    /// Best osmatch so far: (accuracy, name).
    best_os: Option<(Option<u32>, String)>,
}

impl Parser {
    pub(super) fn start_host(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [start, end] = self.attrs(e, "host", ["starttime", "endtime"], line, control)?;
        let started = self.time_value(start, "<host starttime>", line);
        let ended = self.time_value(end, "<host endtime>", line);
        self.port = None;
        self.host = Some(HostDraft {
            host: ScanHost {
                line,
                ..ScanHost::default()
            },
            started,
            ended,
            ..HostDraft::default()
        });
        Ok(())
    }

    pub(super) fn status(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [state] = self.attrs(e, "status", ["state"], line, control)?;
        let Some(draft) = self.host.as_mut() else {
            return Ok(());
        };
        match (&draft.status, state) {
            (None, Some(state)) => draft.status = Some(state.to_ascii_lowercase()),
            (None, None) => self.warn(line, "<status> without a state; ignored".to_string()),
            (Some(_), _) => self.warn(line, "a second <status> in one host; ignored".to_string()),
        }
        Ok(())
    }

    pub(super) fn address(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [addr, addrtype, vendor] =
            self.attrs(e, "address", ["addr", "addrtype", "vendor"], line, control)?;
        let Some(addr) = addr else {
            self.warn(line, "<address> without addr; ignored".to_string());
            return Ok(());
        };
        let kind = match addrtype.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("ipv4") => AddrKind::Ipv4,
            Some("ipv6") => AddrKind::Ipv6,
            Some("mac") => AddrKind::Mac,
            Some(other) => {
                let msg = format!(
                    "address '{}' has the unknown addrtype '{}'; ignored",
                    short(&addr),
                    short(other)
                );
                self.warn(line, msg);
                return Ok(());
            }
            None => {
                let guessed = guess_addr_kind(&addr);
                let msg = match guessed {
                    Some(kind) => format!(
                        "<address> has no addrtype; '{}' read as {}",
                        short(&addr),
                        kind.label()
                    ),
                    None => format!(
                        "<address> has no addrtype and '{}' is neither an IP nor a MAC \
                         address; ignored",
                        short(&addr)
                    ),
                };
                self.warn(line, msg);
                match guessed {
                    Some(kind) => kind,
                    None => return Ok(()),
                }
            }
        };
        let Some(draft) = self.host.as_mut() else {
            return Ok(());
        };
        let problem = match kind {
            AddrKind::Ipv4 => push_ip::<Ipv4Addr>(&mut draft.host.ipv4, &addr, "IPv4"),
            AddrKind::Ipv6 => push_ip::<Ipv6Addr>(&mut draft.host.ipv6, &addr, "IPv6"),
            AddrKind::Mac => match normalize_mac(&addr) {
                Some(mac) => match &draft.host.mac {
                    None => {
                        draft.host.mac = Some(mac);
                        draft.host.mac_vendor = vendor;
                        None
                    }
                    Some(first) if *first == mac => None,
                    Some(first) => Some(format!(
                        "a second MAC address {mac} for this host; {first} kept"
                    )),
                },
                None => Some(format!("'{}' is not a MAC address; ignored", short(&addr))),
            },
        };
        if let Some(msg) = problem {
            self.warn(line, msg);
        }
        Ok(())
    }

    pub(super) fn hostname(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [name] = self.attrs(e, "hostname", ["name"], line, control)?;
        if let (Some(name), Some(draft)) = (name, self.host.as_mut()) {
            let known = draft
                .host
                .hostnames
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&name));
            if !known {
                draft.host.hostnames.push(name);
            }
        }
        Ok(())
    }

    pub(super) fn osmatch(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [name, accuracy] = self.attrs(e, "osmatch", ["name", "accuracy"], line, control)?;
        let Some(name) = name else {
            return Ok(());
        };
        let accuracy = accuracy.and_then(|a| a.parse::<u32>().ok());
        if let Some(draft) = self.host.as_mut() {
            let better = match &draft.best_os {
                None => true,
                Some((best, _)) => accuracy > *best,
            };
            if better {
                draft.best_os = Some((accuracy, name));
            }
        }
        Ok(())
    }

    pub(super) fn finish_host(&mut self) {
        self.port = None;
        let Some(draft) = self.host.take() else {
            return;
        };
        let mut host = draft.host;
        let line = host.line;
        match draft.status.as_deref() {
            Some("up") => {}
            Some("down") => {
                self.scan.hosts_down += 1;
                return;
            }
            Some(other) => {
                self.scan.hosts_down += 1;
                let msg = format!("host status is '{}', not up; skipped", short(other));
                self.warn(line, msg);
                return;
            }
            None => self.warn(line, "host has no <status>; taken as up".to_string()),
        }
        host.os_guess = draft.best_os.map(|(accuracy, name)| match accuracy {
            Some(a) => format!("{name} ({a}%)"),
            None => name,
        });
        host.last_seen = draft.ended.or(draft.started).or(self.scan.started);
        if host.ipv4.is_empty() && host.ipv6.is_empty() && host.hostnames.is_empty() {
            self.warn(line, "host has no IP address and no hostname".to_string());
        }
        if let Some(mac) = &host.mac {
            if let Some(first) = self.macs.get(mac) {
                let msg = format!("MAC address {mac} is also on the host at line {first}");
                self.warn(line, msg);
            } else {
                self.macs.insert(mac.clone(), line);
            }
        }
        self.scan.hosts.push(host);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddrKind {
    Ipv4,
    Ipv6,
    Mac,
}

impl AddrKind {
    fn label(self) -> &'static str {
        match self {
            Self::Ipv4 => "IPv4",
            Self::Ipv6 => "IPv6",
            Self::Mac => "a MAC address",
        }
    }
}

/// Classifies an address given without `addrtype`.
fn guess_addr_kind(addr: &str) -> Option<AddrKind> {
    if addr.parse::<Ipv4Addr>().is_ok() {
        Some(AddrKind::Ipv4)
    } else if normalize_mac(addr).is_some() {
        Some(AddrKind::Mac)
    } else if addr.parse::<Ipv6Addr>().is_ok() {
        Some(AddrKind::Ipv6)
    } else {
        None
    }
}

/// Adds the IP address `addr` to `list` in its canonical form (`fe80::1`), once; or says why it
/// is not an address of the kind named by `label` (`IPv4`, `IPv6`).
fn push_ip<T: FromStr + Display>(
    list: &mut Vec<String>,
    addr: &str,
    label: &str,
) -> Option<String> {
    match addr.parse::<T>() {
        Ok(ip) => {
            let ip = ip.to_string();
            if !list.contains(&ip) {
                list.push(ip);
            }
            None
        }
        Err(_) => Some(format!(
            "'{}' is not an {label} address; ignored",
            short(addr)
        )),
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use crate::import::nmap::parse_file;
    use crate::import::nmap::tests::{TestResult, corpus, parse_str};

    #[test]
    fn ipv6_only_host() -> TestResult {
        let xml = r#"<?xml version="1.0"?>
<nmaprun scanner="nmap" version="7.94" start="1700000000">
<host starttime="1700000010" endtime="1700000020"><status state="up" reason="nd-response"/>
<address addr="FE80:0000:0000:0000:0202:B3FF:FE1E:8329" addrtype="ipv6"/>
<address addr="2001:db8::104"/>
<address addr="00-02-b3-1e-83-29" addrtype="mac" vendor="Intel"/>
<hostnames><hostname name="infusion-pump-7.icu.example" type="PTR"/></hostnames>
<ports><port protocol="tcp" portid="104"><state state="open"/><service name="dicom"/></port></ports>
</host>
</nmaprun>"#;
        let scan = parse_str(xml)?;
        let host = scan.hosts.first().ok_or("no host")?;
        assert_eq!(host.line, 3);
        assert!(host.ipv4.is_empty());
        assert_eq!(
            host.ipv6,
            vec![
                "fe80::202:b3ff:fe1e:8329".to_string(),
                "2001:db8::104".to_string()
            ]
        );
        assert_eq!(host.mac.as_deref(), Some("00:02:B3:1E:83:29"));
        assert_eq!(host.mac_vendor.as_deref(), Some("Intel"));
        assert_eq!(
            host.hostnames,
            vec!["infusion-pump-7.icu.example".to_string()]
        );
        assert_eq!(host.last_seen, DateTime::from_timestamp(1_700_000_020, 0));
        assert_eq!(scan.nmap_version.as_deref(), Some("7.94"));
        assert!(
            scan.warnings
                .iter()
                .any(|(line, m)| *line == 5 && m.contains("read as IPv6")),
            "{:?}",
            scan.warnings
        );
        Ok(())
    }

    #[test]
    fn host_without_ports() -> TestResult {
        let scan = parse_file(&corpus("libnmap-1_hosts_down.xml"))?;
        let host = scan.hosts.first().ok_or("no host")?;
        assert_eq!(host.ipv4, vec!["10.1.1.1".to_string()]);
        assert!(host.services.is_empty());
        assert_eq!(host.os_guess, None);
        let scan = parse_str(
            "<nmaprun scanner='nmap'><host><status state='up'/><address addr='10.2.2.2' addrtype='ipv4'/></host><host/></nmaprun>",
        )?;
        assert_eq!(scan.hosts.len(), 2);
        assert!(scan.hosts.iter().all(|h| h.services.is_empty()));
        assert!(
            scan.warnings
                .iter()
                .any(|(_, m)| m.contains("no IP address and no hostname"))
        );
        Ok(())
    }

    #[test]
    fn address_after_ports_and_addport_elements() -> TestResult {
        let xml = r#"<nmaprun scanner="nmap" version="3.50">
<addport state="open" portid="22" protocol="tcp" owner=""/>
<host><status state="up"/>
<ports><port protocol="tcp" portid="22"><state state="open"/><service name="ssh"/></port></ports>
<address addr="192.168.5.5" addrtype="ipv4"/>
<address addr="00:11:22:33:44:55" addrtype="mac"/>
</host>
<host><ports/><address addr="192.168.5.6" addrtype="ipv4"/><status state="down"/></host>
<host><status state="unknown"/><address addr="192.168.5.7" addrtype="ipv4"/></host>
</nmaprun>"#;
        let scan = parse_str(xml)?;
        assert_eq!(scan.hosts.len(), 1);
        assert_eq!(scan.hosts_down, 2);
        let host = scan.hosts.first().ok_or("no host")?;
        assert_eq!(host.ipv4, vec!["192.168.5.5".to_string()]);
        assert_eq!(host.mac.as_deref(), Some("00:11:22:33:44:55"));
        assert_eq!(host.services.len(), 1);
        assert!(
            scan.warnings
                .iter()
                .any(|(line, m)| *line == 9 && m.contains("unknown"))
        );
        Ok(())
    }
}
