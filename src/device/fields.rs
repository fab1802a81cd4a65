//! The device inventory fields of CATALOG.md ("Device inventory fields"), in sheet order.
//!
//! Every field has one key used everywhere: JSON, CLI flags (kebab-case), `--map` targets, the
//! database column and the `1 Inventory` column order. Values are held in one canonical text
//! form per kind (dates `YYYY-MM-DD`, date-times RFC 3339 UTC, list values in their catalog
//! spelling, multi-values joined by `; `); [`FieldDef::normalize`] turns user or file input into
//! that form or says why it cannot.

use std::net::IpAddr;

use chrono::{DateTime, NaiveDate, Utc};

/// What a field holds and how its input is validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// A calendar date, canonical `YYYY-MM-DD`.
    Date,
    /// An instant, canonical RFC 3339 in UTC (`2026-11-29T10:15:00Z`).
    DateTime,
    /// One value from a fixed list (matched case-insensitively, stored in the list's spelling).
    List(&'static [&'static str]),
    /// One value from a fixed list, or any other text kept as typed (e.g. regulatory class).
    OpenList(&'static [&'static str]),
    /// Several values from a fixed list, `; `-separated.
    MultiList(&'static [&'static str]),
    /// IPv4 or IPv6 addresses, `; `-separated.
    IpList,
    /// MAC addresses, `; `-separated, normalised to `AA:BB:CC:DD:EE:FF`.
    MacList,
    /// Host names, `; `-separated.
    HostList,
    /// A device short ID (`DEV-0001`).
    DeviceRef,
    /// Derived by the app, never entered.
    Computed,
}

/// One inventory field: its key, its column header on `1 Inventory`, and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    /// The field's one name (JSON key, `--map` target, database column).
    pub key: &'static str,
    /// The column header on the `1 Inventory` sheet.
    pub header: &'static str,
    /// What the field holds.
    pub kind: FieldKind,
}

/// Why a value does not fit a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// No inventory field has this key.
    #[error("unknown field `{0}`")]
    UnknownField(String),
    /// The field is computed by the app (or is the device ID) and cannot be set.
    #[error("`{0}` is computed by medsec and cannot be set")]
    NotSettable(String),
    /// The value does not fit the field's kind; `expected` says what would.
    #[error("`{field}`: {value:?} is not {expected}")]
    Invalid {
        /// The field key.
        field: String,
        /// The value as given.
        value: String,
        /// What the field accepts, in words.
        expected: String,
    },
}

const YES_NO_UNKNOWN: &[&str] = &["Yes", "No", "Unknown"];
/// `category` values (CATALOG.md).
pub const CATEGORIES: &[&str] = &[
    "Infusion pump",
    "Patient monitor",
    "Ventilator",
    "Imaging modality",
    "Lab analyzer",
    "Clinical workstation",
    "Implant programmer",
    "Telemetry/central station",
    "SaMD/Server",
    "Other",
];
/// `regulatory_class` list values; other schemes' classes are kept as typed.
pub const REGULATORY_CLASSES: &[&str] = &[
    "Class I",
    "Class IIa",
    "Class IIb",
    "Class II",
    "Class III",
    "Not a device",
    "Unknown",
];
/// `regulatory_authority` values.
pub const REGULATORY_AUTHORITIES: &[&str] = &[
    "FDA",
    "EU MDR",
    "UKCA",
    "Health Canada",
    "TGA",
    "PMDA",
    "Other",
    "Unknown",
];
/// `connectivity` values (multi-value).
pub const CONNECTIVITY: &[&str] = &[
    "Wired",
    "Wi-Fi",
    "Bluetooth",
    "Cellular",
    "USB",
    "Serial",
    "None",
];
/// `criticality` values, most critical first (patient-safety default impact 5, 4, 3, 3, 1).
pub const CRITICALITIES: &[&str] = &[
    "Life-sustaining",
    "Therapeutic",
    "Diagnostic",
    "Monitoring",
    "Non-clinical",
];
/// `clinical_impact` values: the 1–5 impact scale of TEMPLATE.md "Risk Matrix".
pub const IMPACT_SCALE: &[&str] = &["1", "2", "3", "4", "5"];
/// `mds2_version` values.
pub const MDS2_VERSIONS: &[&str] = &["HN 1-2019", "HN 1-2013", "Other", "n/a"];
/// `sbom_format` values.
pub const SBOM_FORMATS: &[&str] = &["SPDX", "CycloneDX", "Vendor list", "n/a"];
/// `in_scope` values.
pub const YES_NO: &[&str] = &["Yes", "No"];

use FieldKind::*;

/// Every inventory field, in the column order of the `1 Inventory` sheet (CATALOG.md).
pub const FIELDS: &[FieldDef] = &[
    f("device_id", "Device ID", Computed),
    f("asset_tag", "Asset Tag", Text),
    f("name", "Device Name / Description", Text),
    f("category", "Device Category", List(CATEGORIES)),
    f("manufacturer", "Manufacturer", Text),
    f("model", "Model", Text),
    f("serial_number", "Serial Number", Text),
    f("udi_di", "UDI-DI", Text),
    f("nomenclature_code", "Nomenclature Code", Text),
    f(
        "regulatory_class",
        "Regulatory Class",
        OpenList(REGULATORY_CLASSES),
    ),
    f(
        "regulatory_authority",
        "Regulatory Authority",
        List(REGULATORY_AUTHORITIES),
    ),
    f("software_version", "Software Version", Text),
    f("firmware_version", "Firmware Version", Text),
    f("operating_system", "Operating System", Text),
    f("os_end_of_support", "OS End of Support", Date),
    f(
        "manufacturer_end_of_support",
        "Manufacturer End of Support",
        Date,
    ),
    f("end_of_life", "End of Life", Date),
    f("install_date", "Install Date", Date),
    f("site", "Site", Text),
    f("room", "Building / Floor / Room", Text),
    f("department", "Department / Clinical Unit", Text),
    f("clinical_owner", "Clinical Owner", Text),
    f(
        "technical_custodian",
        "Technical Custodian (Clinical Eng.)",
        Text,
    ),
    f("security_contact", "IT / Security Contact", Text),
    f("hostname", "Hostname", HostList),
    f("ip_addresses", "IP Address(es)", IpList),
    f("mac_addresses", "MAC Address(es)", MacList),
    f("mac_vendor", "MAC Vendor", Text),
    f("vlan", "VLAN / Segment", Text),
    f("os_guess", "OS Guess", Text),
    f("network_services", "Network Services", Text),
    f("last_seen", "Last Seen", DateTime),
    f("connectivity", "Connectivity", MultiList(CONNECTIVITY)),
    f(
        "internet_required",
        "Internet Required",
        List(YES_NO_UNKNOWN),
    ),
    f("cloud_connected", "Cloud Connected", List(YES_NO_UNKNOWN)),
    f(
        "vendor_remote_access",
        "Vendor Remote Access",
        List(YES_NO_UNKNOWN),
    ),
    f("phi_stored", "PHI Stored", List(YES_NO_UNKNOWN)),
    f("phi_displayed", "PHI Displayed", List(YES_NO_UNKNOWN)),
    f("phi_transmitted", "PHI Transmitted", List(YES_NO_UNKNOWN)),
    f(
        "criticality",
        "Patient-Safety Criticality",
        List(CRITICALITIES),
    ),
    f(
        "clinical_impact",
        "Clinical Impact if Unavailable",
        List(IMPACT_SCALE),
    ),
    f("mds2_available", "MDS2 Available", List(YES_NO_UNKNOWN)),
    f("mds2_version", "MDS2 Version", List(MDS2_VERSIONS)),
    f("mds2_document_id", "MDS2 Document ID", Text),
    f("mds2_date", "MDS2 Date", Date),
    f("sbom_available", "SBOM Available", List(YES_NO_UNKNOWN)),
    f("sbom_format", "SBOM Format", List(SBOM_FORMATS)),
    f("advisory_url", "Manufacturer CVD / Advisory URL", Text),
    f(
        "service_contract_end",
        "Service Contract / Warranty End",
        Date,
    ),
    f("parent_device", "Parent Device", DeviceRef),
    f("in_scope", "In Scope", List(YES_NO)),
    f("compliance_pct", "Steps Compliance %", Computed),
    f("highest_risk_level", "Highest Risk Level", Computed),
    f("last_assessed", "Last Assessed", Computed),
    f("last_assessor", "Assessor", Computed),
    f("notes", "Notes", Text),
];

const fn f(key: &'static str, header: &'static str, kind: FieldKind) -> FieldDef {
    FieldDef { key, header, kind }
}

/// The field with this key, if any.
pub fn field(key: &str) -> Option<&'static FieldDef> {
    FIELDS.iter().find(|d| d.key == key)
}

/// The fields a user or an import may set: every field but `device_id` and the computed ones.
pub fn settable_fields() -> impl Iterator<Item = &'static FieldDef> {
    FIELDS.iter().filter(|d| d.kind != Computed)
}

/// Looks up a settable field by key; `FieldError::UnknownField` or `FieldError::NotSettable`.
pub fn settable(key: &str) -> Result<&'static FieldDef, FieldError> {
    match field(key) {
        None => Err(FieldError::UnknownField(key.to_string())),
        Some(d) if d.kind == Computed => Err(FieldError::NotSettable(key.to_string())),
        Some(d) => Ok(d),
    }
}

impl FieldDef {
    /// Turns input text into the field's canonical form. Surrounding whitespace is trimmed;
    /// an empty result means "clear the field" and is always accepted.
    ///
    /// Returns `FieldError::Invalid` naming the field, the value and what it accepts.
    pub fn normalize(&self, input: &str) -> Result<String, FieldError> {
        let value = clean_text(input);
        let value = value.trim();
        if value.is_empty() {
            return Ok(String::new());
        }
        let invalid = |expected: String| FieldError::Invalid {
            field: self.key.to_string(),
            value: value.to_string(),
            expected,
        };
        let units = value.encode_utf16().count();
        if units > crate::assessment::NOTE_LIMIT_UTF16 {
            return Err(FieldError::Invalid {
                field: self.key.to_string(),
                value: format!("{}…", value.chars().take(20).collect::<String>()),
                expected: format!(
                    "at most {} UTF-16 units (a spreadsheet cell); this is {units}",
                    crate::assessment::NOTE_LIMIT_UTF16
                ),
            });
        }
        match self.kind {
            // Only `notes` may span lines; a line break or tab in a name or a model would break
            // tables, reports and terminals.
            Text if self.key == "notes" => Ok(value.to_string()),
            Text => Ok(value.split_whitespace().collect::<Vec<_>>().join(" ")),
            Computed => Err(FieldError::NotSettable(self.key.to_string())),
            Date => parse_date(value)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .ok_or_else(|| invalid("a date (YYYY-MM-DD or DD/MM/YYYY)".into())),
            DateTime => parse_datetime(value)
                .filter(|t| (1900..=9999).contains(&chrono::Datelike::year(t)))
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .ok_or_else(|| invalid("a date-time (RFC 3339, e.g. 2026-11-29T10:15:00Z)".into())),
            List(values) => match_list(values, value)
                .map(str::to_string)
                .ok_or_else(|| invalid(format!("one of: {}", values.join(", ")))),
            OpenList(values) => Ok(match_list(values, value).unwrap_or(value).to_string()),
            MultiList(values) => {
                let mut out: Vec<&str> = Vec::new();
                for part in split_multi(value) {
                    let v = match_list(values, part).ok_or_else(|| {
                        invalid(format!("a `; `-separated list of: {}", values.join(", ")))
                    })?;
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
                Ok(out.join("; "))
            }
            IpList => {
                let mut out: Vec<String> = Vec::new();
                for part in split_multi(value) {
                    let ip: IpAddr = part
                        .parse()
                        .map_err(|_| invalid("IPv4 or IPv6 addresses separated by `; `".into()))?;
                    let ip = ip.to_string();
                    if !out.contains(&ip) {
                        out.push(ip);
                    }
                }
                Ok(out.join("; "))
            }
            MacList => {
                let mut out: Vec<String> = Vec::new();
                for part in split_multi(value) {
                    let mac = normalize_mac(part).ok_or_else(|| {
                        invalid("MAC addresses (AA:BB:CC:DD:EE:FF) separated by `; `".into())
                    })?;
                    if !out.contains(&mac) {
                        out.push(mac);
                    }
                }
                Ok(out.join("; "))
            }
            HostList => {
                let mut out: Vec<String> = Vec::new();
                for part in split_multi(value) {
                    if part.chars().any(char::is_whitespace) {
                        return Err(invalid("host names separated by `; `".into()));
                    }
                    if !out.iter().any(|h| h.eq_ignore_ascii_case(part)) {
                        out.push(part.to_string());
                    }
                }
                Ok(out.join("; "))
            }
            DeviceRef => parse_short_id(value)
                .map(format_short_id)
                .ok_or_else(|| invalid("a device ID such as DEV-0001".into())),
        }
    }
}

/// Splits a multi-value cell on `;` (and `,` or newlines, which spreadsheets also use),
/// trimming each part and dropping empty ones.
pub fn split_multi(value: &str) -> impl Iterator<Item = &str> {
    value
        .split([';', ',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Finds `value` in `list` ignoring case and surrounding whitespace; returns the list's spelling.
pub fn match_list(list: &'static [&'static str], value: &str) -> Option<&'static str> {
    let value = value.trim();
    list.iter().copied().find(|v| v.eq_ignore_ascii_case(value))
}

/// Text safe to print on a terminal: C0 control characters (line breaks, tabs, escape) shown as
/// their Unicode control pictures (`␊`, `␉`, `␛`), DEL as `␡`, other controls as `\u{..}`.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32)
                .map(String::from)
                .unwrap_or_default(),
            '\u{7f}' => "␡".to_string(),
            // Controls and the bidirectional overrides that can reorder what a terminal shows.
            c if c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                format!("\\u{{{:x}}}", c as u32)
            }
            c => c.to_string(),
        })
        .collect()
}

/// Removes characters that XML 1.0 cannot hold (C0 controls other than tab, newline and
/// carriage return), so a value pasted from Word (e.g. U+000B) survives every export.
pub fn clean_text(input: &str) -> String {
    input
        .chars()
        .filter(|&c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .filter(|&c| !matches!(c, '\u{fffe}' | '\u{ffff}'))
        .collect()
}

/// Parses a date typed as ISO (`2026-11-29`), day/month/year (`29/11/2026`, `29.11.2026`,
/// `29-11-2026`) or an ISO date-time (the date part is kept).
///
/// Years outside 1900–9999 are refused: spreadsheets cannot hold them as dates.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    let parsed = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d"]
        .iter()
        .find_map(|fmt| NaiveDate::parse_from_str(value, fmt).ok())
        .or_else(|| parse_datetime(value).map(|t| t.date_naive()));
    parsed.filter(|d| (1900..=9999).contains(&chrono::Datelike::year(d)))
}

/// Parses an RFC 3339 instant, or a naive `YYYY-MM-DD HH:MM[:SS]` taken as UTC.
pub fn parse_datetime(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(value, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

/// Normalises a MAC address written with `:`, `-`, `.` or no separators to `AA:BB:CC:DD:EE:FF`.
pub fn normalize_mac(value: &str) -> Option<String> {
    let hex: String = value
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.' | ' '))
        .collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_uppercase();
    let pairs: Vec<&str> = (0..6).filter_map(|i| hex.get(i * 2..i * 2 + 2)).collect();
    Some(pairs.join(":"))
}

/// Parses a short device ID (`DEV-0001`, case-insensitive) into its number.
pub fn parse_short_id(value: &str) -> Option<i64> {
    let rest = value.trim();
    let digits = rest
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("DEV-"))
        .and_then(|_| rest.get(4..))?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n: &i64| *n > 0)
}

/// Formats a device number as its short ID: `DEV-` and at least four digits.
pub fn format_short_id(n: i64) -> String {
    format!("DEV-{n:04}")
}

/// The CLI flag of a field: its key in kebab-case (`serial_number` → `serial-number`).
pub fn flag_name(key: &str) -> String {
    key.replace('_', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_six_fields_in_catalog_order() {
        assert_eq!(FIELDS.len(), 56);
        assert_eq!(FIELDS[0].key, "device_id");
        assert_eq!(FIELDS[FIELDS.len() - 1].key, "notes");
        let mut keys: Vec<_> = FIELDS.iter().map(|f| f.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), FIELDS.len());
    }

    #[test]
    fn normalizes_typed_values() {
        let n = |k: &str, v: &str| settable(k).and_then(|d| d.normalize(v));
        assert_eq!(n("install_date", "29/11/2026").as_deref(), Ok("2026-11-29"));
        assert_eq!(
            n("category", " infusion PUMP ").as_deref(),
            Ok("Infusion pump")
        );
        assert_eq!(
            n("mac_addresses", "00-1a-2b-3c-4d-5e; 001a.2b3c.4d5f").as_deref(),
            Ok("00:1A:2B:3C:4D:5E; 00:1A:2B:3C:4D:5F")
        );
        assert_eq!(
            n("ip_addresses", "10.0.0.1;fe80::1").as_deref(),
            Ok("10.0.0.1; fe80::1")
        );
        assert_eq!(
            n("connectivity", "wired, wi-fi").as_deref(),
            Ok("Wired; Wi-Fi")
        );
        assert_eq!(
            n("regulatory_class", "Clase IIa").as_deref(),
            Ok("Clase IIa")
        );
        assert_eq!(n("parent_device", "dev-12").as_deref(), Ok("DEV-0012"));
        assert_eq!(n("name", "Pump\r\nbed\t4").as_deref(), Ok("Pump bed 4"));
        assert_eq!(
            n("notes", "line one\nline two").as_deref(),
            Ok("line one\nline two")
        );
        assert!(n("install_date", "0000-01-01").is_err());
        assert!(n("name", &"x".repeat(32_768)).is_err());
        assert!(n("name", &"x".repeat(32_767)).is_ok());
        assert!(n("ip_addresses", "10.0.0.300").is_err());
        assert!(n("criticality", "Critical").is_err());
        assert!(n("install_date", "next week").is_err());
        assert_eq!(
            n("compliance_pct", "50"),
            Err(FieldError::NotSettable("compliance_pct".into()))
        );
        assert_eq!(
            n("device_id", "DEV-0001"),
            Err(FieldError::NotSettable("device_id".into()))
        );
    }

    #[test]
    fn short_ids_sort_numerically_and_round_trip() {
        assert_eq!(format_short_id(1), "DEV-0001");
        assert_eq!(format_short_id(10000), "DEV-10000");
        assert_eq!(parse_short_id("DEV-10000"), Some(10000));
        assert_eq!(parse_short_id("DEV-"), None);
        assert_eq!(parse_short_id("DEV-0"), None);
        assert_eq!(parse_short_id("X-1"), None);
    }

    #[test]
    fn strips_xml_illegal_characters() {
        assert_eq!(clean_text("a\u{b}b\tc\u{1b}[31m"), "ab\tc[31m");
    }
}
