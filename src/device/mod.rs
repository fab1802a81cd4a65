//! Devices: the inventory record of one unit, its fields and its network services.

pub mod fields;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One open port seen by a scan (stored structured, shown as `port/proto service product version`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NetworkService {
    /// Port number, 0–65535.
    pub port: u16,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
    /// Service name as nmap names it (`http`, `dicom`), may be empty.
    pub service: String,
    /// Product (`Apache httpd`), may be empty.
    pub product: String,
    /// Version (`2.4.41`), may be empty.
    pub version: String,
}

impl NetworkService {
    /// The one-line form used in the `network_services` field: `443/tcp https nginx 1.18`.
    pub fn display(&self) -> String {
        let mut s = format!("{}/{}", self.port, self.protocol);
        for part in [&self.service, &self.product, &self.version] {
            if !part.is_empty() {
                s.push(' ');
                s.push_str(part);
            }
        }
        s
    }
}

/// Joins services into the `network_services` field text (`; `-separated).
pub fn services_text(services: &[NetworkService]) -> String {
    services
        .iter()
        .map(NetworkService::display)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A device as stored in the workbook.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Device {
    /// Row ID in the workbook (internal).
    pub id: i64,
    /// Stable UUID, used to match rows of exported sheets and merged workbooks.
    pub uuid: String,
    /// Short ID number: `DEV-0001` is 1; never reused.
    pub number: i64,
    /// Settable inventory fields by key, in canonical text form (see [`fields::FieldDef::normalize`]);
    /// empty fields are absent.
    pub values: BTreeMap<String, String>,
    /// Open ports from scans.
    pub services: Vec<NetworkService>,
    /// Columns of imported inventories that map to no field: (original header, value).
    pub extra: Vec<(String, String)>,
}

impl Device {
    /// The short ID, e.g. `DEV-0001`.
    pub fn short_id(&self) -> String {
        fields::format_short_id(self.number)
    }

    /// A field's value, or `""` when unset.
    pub fn get(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or("")
    }

    /// "Location": room, department and site joined by ` / ` (empty parts left out).
    pub fn location(&self) -> String {
        ["room", "department", "site"]
            .iter()
            .map(|k| self.get(k))
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
            .join(" / ")
    }
}
