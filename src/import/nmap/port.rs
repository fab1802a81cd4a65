//! `<port>`: its state and service; open ports become [`NetworkService`]s of the host.

use quick_xml::events::BytesStart;

use super::NmapError;
use super::attrs::short;
use super::parser::Parser;
use crate::device::NetworkService;

/// A `<port>` being read.
#[derive(Debug, Default)]
pub(super) struct PortDraft {
    line: u64,
    portid: Option<String>,
    protocol: Option<String>,
    state: Option<String>,
    /// (name, product, version, tunnel)
    service: Option<[Option<String>; 4]>,
}

impl Parser {
    pub(super) fn start_port(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [protocol, portid] = self.attrs(e, "port", ["protocol", "portid"], line, control)?;
        self.port = Some(PortDraft {
            line,
            portid,
            protocol,
            ..PortDraft::default()
        });
        Ok(())
    }

    pub(super) fn port_state(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [state] = self.attrs(e, "state", ["state"], line, control)?;
        if let Some(port) = self.port.as_mut()
            && port.state.is_none()
        {
            port.state = state.map(|s| s.to_ascii_lowercase());
        }
        Ok(())
    }

    pub(super) fn service(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let fields = self.attrs(
            e,
            "service",
            ["name", "product", "version", "tunnel"],
            line,
            control,
        )?;
        if let Some(port) = self.port.as_mut()
            && port.service.is_none()
        {
            port.service = Some(fields);
        }
        Ok(())
    }

    pub(super) fn finish_port(&mut self, line: u64) {
        let Some(port) = self.port.take() else {
            return;
        };
        let line = if port.line > 0 { port.line } else { line };
        let label = port.portid.clone().unwrap_or_else(|| "?".to_string());
        match port.state.as_deref() {
            Some("open") => {}
            Some("open|filtered") => {
                if let Some(draft) = self.host.as_mut() {
                    draft.host.open_filtered += 1;
                }
                return;
            }
            Some(_) => return,
            None => {
                self.warn(
                    line,
                    format!("port {} has no state; skipped", short(&label)),
                );
                return;
            }
        }
        let Some(number) = port.portid.as_deref().and_then(|p| p.parse::<u16>().ok()) else {
            self.warn(
                line,
                format!(
                    "open port '{}' is not a port number; skipped",
                    short(&label)
                ),
            );
            return;
        };
        let protocol = match port.protocol.map(|p| p.to_ascii_lowercase()) {
            Some(p) if matches!(p.as_str(), "tcp" | "udp" | "sctp") => p,
            Some(p) => {
                self.warn(
                    line,
                    format!(
                        "open port {number} has the protocol '{}', not tcp, udp or sctp; skipped",
                        short(&p)
                    ),
                );
                return;
            }
            None => {
                self.warn(
                    line,
                    format!("open port {number} has no protocol; taken as tcp"),
                );
                "tcp".to_string()
            }
        };
        let [name, product, version, tunnel] = port.service.unwrap_or_default();
        let mut service = name.unwrap_or_default();
        if tunnel.as_deref() == Some("ssl") && !service.is_empty() {
            service = format!("ssl/{service}");
        }
        let Some(draft) = self.host.as_mut() else {
            return;
        };
        if !draft.ports_seen.insert((number, protocol.clone())) {
            self.warn(
                line,
                format!("port {number}/{protocol} is listed twice in one host; the first kept"),
            );
            return;
        }
        draft.host.services.push(NetworkService {
            port: number,
            protocol,
            service,
            product: product.unwrap_or_default(),
            version: version.unwrap_or_default(),
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::device::NetworkService;
    use crate::import::nmap::parse_file;
    use crate::import::nmap::tests::{TestResult, corpus, parse_str};

    #[test]
    fn services_are_structured_and_ssl_tunnels_named() -> TestResult {
        let scan = parse_file(&corpus("nmap-zenmap-nmap-output-error.xml"))?;
        let host = scan.hosts.first().ok_or("no host")?;
        let ssh = host.services.first().ok_or("no service")?;
        assert_eq!(
            *ssh,
            NetworkService {
                port: 22,
                protocol: "tcp".into(),
                service: "ssh".into(),
                product: "OpenSSH".into(),
                version: "4.3".into(),
            }
        );
        let xml = r#"<nmaprun scanner="nmap"><host><status state="up"/>
            <address addr="10.0.0.9" addrtype="ipv4"/>
            <ports>
              <port protocol="tcp" portid="443"><state state="open"/>
                <service name="http" product="nginx" version="1.18" tunnel="ssl"/></port>
              <port protocol="udp" portid="161"><state state="open|filtered"/>
                <service name="snmp"/></port>
              <port protocol="tcp" portid="104"><state state="closed"/>
                <service name="dicom"/></port>
              <port protocol="tcp" portid="11112"><state state="open"/>
                <service name="dicom"/></port>
            </ports></host></nmaprun>"#;
        let scan = parse_str(xml)?;
        let host = scan.hosts.first().ok_or("no host")?;
        let shown: Vec<String> = host.services.iter().map(NetworkService::display).collect();
        assert_eq!(
            shown,
            vec!["443/tcp ssl/http nginx 1.18", "11112/tcp dicom"]
        );
        assert_eq!(host.open_filtered, 1);
        Ok(())
    }

    #[test]
    fn legacy_perl_fixture_owner_elements_and_open_filtered() -> TestResult {
        let scan = parse_file(&corpus("nmap-parser-perl-nmap_results.xml"))?;
        assert_eq!(scan.nmap_version.as_deref(), Some("3.80"));
        assert_eq!(scan.hosts_down, 1);
        let first = scan.hosts.first().ok_or("no host")?;
        assert_eq!(
            first.hostnames,
            vec!["host1".to_string(), "host1_2".to_string()]
        );
        assert_eq!(first.mac.as_deref(), Some("00:09:5B:3F:7D:5E"));
        assert_eq!(first.open_filtered, 1);
        let shown: Vec<String> = first.services.iter().map(NetworkService::display).collect();
        assert_eq!(
            shown,
            vec![
                "80/tcp http",
                "111/tcp rpcbind",
                "443/tcp https",
                "631/tcp ipp",
                "111/udp rpcbind"
            ]
        );
        Ok(())
    }
}
