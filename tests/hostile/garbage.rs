//! Generated input, as proptest strategies: arbitrary bytes, and structure-aware JSON, XML,
//! CSV and MDS2 text whose names come from the formats the importers read (so that the
//! generated documents get past format sniffing and into the readers) and whose values are
//! hostile strings (control characters, escapes, quotes, huge numbers, odd Unicode).

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::mutate::ESCAPES;

/// Arbitrary bytes, up to 4 KiB.
pub fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..4096)
}

/// A hostile or ordinary short string.
pub fn value_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9 ._:/-]{0,24}",
        2 => any::<String>().prop_map(|s| s.chars().take(40).collect()),
        1 => (0..ESCAPES.len()).prop_map(|i| ESCAPES[i].to_string()),
        1 => Just("\0".to_string()),
        1 => Just("=cmd|' /C calc'!A0".to_string()),
        1 => Just("CVE-2017-0144".to_string()),
        1 => Just("cpe:2.3:o:microsoft:windows_7:-:sp1:*:*:*:*:*:*".to_string()),
        1 => Just("pkg:generic/openssl@1.0.2k".to_string()),
        1 => Just("192.168.1.300".to_string()),
        1 => Just("00:11:22:33:44:55".to_string()),
        1 => Just("2025-13-45T99:99:99Z".to_string()),
        1 => Just("1e999".to_string()),
        1 => Just("Yes".to_string()),
        1 => Just("See Notes".to_string()),
        1 => Just("YhtymÃ¤".to_string()),
    ]
}

/// Object keys the JSON importers look for (feeds, SBOMs, `export json`).
const JSON_KEYS: [&str; 58] = [
    "catalogVersion",
    "dateReleased",
    "vulnerabilities",
    "cveID",
    "vendorProject",
    "product",
    "dueDate",
    "knownRansomwareCampaignUse",
    "document",
    "csaf_version",
    "tracking",
    "current_release_date",
    "product_tree",
    "branches",
    "product_id",
    "product_status",
    "known_affected",
    "fixed",
    "remediations",
    "scores",
    "cvss_v3",
    "baseScore",
    "id",
    "configurations",
    "nodes",
    "cpeMatch",
    "criteria",
    "versionEndExcluding",
    "vulnStatus",
    "metrics",
    "cveMetadata",
    "cveId",
    "containers",
    "cna",
    "affected",
    "versions",
    "bomFormat",
    "specVersion",
    "components",
    "name",
    "version",
    "purl",
    "cpe",
    "analysis",
    "state",
    "spdxVersion",
    "packages",
    "externalRefs",
    "format_version",
    "workbook_id",
    "devices",
    "answers",
    "risks",
    "device_id",
    "control_id",
    "response",
    "fields",
    "generator",
];

/// Object keys of the importers.
pub fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0..JSON_KEYS.len()).prop_map(|i| JSON_KEYS[i].to_string()),
        1 => value_text(),
    ]
}

/// A JSON value of the importers' vocabulary, nested up to about 6 levels.
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(Value::from("CycloneDX")),
        Just(Value::from("2.0")),
        Just(Value::from("1.5")),
        Just(Value::from("SPDX-2.3")),
        value_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((json_key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A JSON document: an object at the top, most often with the keys that make a format.
pub fn json_document() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((json_key(), json_value()), 0..10),
        prop_oneof![
            Just(vec![]),
            Just(vec![("bomFormat", Value::from("CycloneDX"))]),
            Just(vec![("spdxVersion", Value::from("SPDX-2.3"))]),
            Just(vec![("catalogVersion", Value::from("2025.08.25"))]),
            Just(vec![(
                "cveMetadata",
                serde_json::json!({"cveId": "CVE-2024-1275"})
            )]),
            Just(vec![(
                "document",
                serde_json::json!({"csaf_version": "2.0", "tracking": {"id": "x"}})
            )]),
            Just(vec![("format_version", Value::from(1))]),
        ],
    )
        .prop_map(|(kv, shape)| {
            let mut map: Map<String, Value> = kv.into_iter().collect();
            for (k, v) in shape {
                map.insert(k.to_string(), v);
            }
            serde_json::to_vec_pretty(&Value::Object(map)).unwrap_or_default()
        })
}

/// Element names of nmap `-oX` output.
const XML_NAMES: [&str; 16] = [
    "host",
    "address",
    "hostnames",
    "hostname",
    "ports",
    "port",
    "state",
    "service",
    "os",
    "osmatch",
    "osclass",
    "cpe",
    "status",
    "script",
    "extraports",
    "runstats",
];

/// Attribute names of nmap `-oX` output.
const XML_ATTRS: [&str; 14] = [
    "addr", "addrtype", "vendor", "name", "type", "portid", "protocol", "state", "product",
    "version", "accuracy", "osfamily", "output", "reason",
];

#[derive(Debug, Clone)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    text: Option<String>,
    children: Vec<Element>,
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

fn render(e: &Element, out: &mut String) {
    out.push('<');
    out.push_str(&e.name);
    for (k, v) in &e.attrs {
        out.push_str(&format!(" {k}=\"{}\"", xml_escape(v)));
    }
    out.push('>');
    if let Some(t) = &e.text {
        out.push_str(&xml_escape(t));
    }
    for c in &e.children {
        render(c, out);
    }
    out.push_str(&format!("</{}>", e.name));
}

fn element() -> impl Strategy<Value = Element> {
    let name = prop_oneof![
        9 => (0..XML_NAMES.len()).prop_map(|i| XML_NAMES[i].to_string()),
        1 => "[a-z]{1,8}",
    ];
    let attrs = prop::collection::vec(
        (
            (0..XML_ATTRS.len()).prop_map(|i| XML_ATTRS[i].to_string()),
            prop_oneof![
                value_text(),
                Just("ipv4".to_string()),
                Just("mac".to_string()),
                Just("up".to_string()),
                Just("open".to_string()),
                Just("10.0.0.5".to_string()),
                Just("fe80::1".to_string()),
            ],
        ),
        0..5,
    );
    let leaf = (name.clone(), attrs.clone(), prop::option::of(value_text())).prop_map(
        |(name, attrs, text)| Element {
            name,
            attrs,
            text,
            children: vec![],
        },
    );
    leaf.prop_recursive(5, 64, 6, move |inner| {
        (
            name.clone(),
            attrs.clone(),
            prop::collection::vec(inner, 0..6),
        )
            .prop_map(|(name, attrs, children)| Element {
                name,
                attrs,
                text: None,
                children,
            })
    })
}

/// An nmap-like XML document: `<nmaprun>` (or, rarely, another root) around generated hosts.
pub fn nmap_document() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![9 => Just("nmaprun".to_string()), 1 => "[a-z]{1,8}"],
        prop::collection::vec(element(), 0..6),
        any::<bool>(),
    )
        .prop_map(|(root, children, close)| {
            let mut out = String::from("<?xml version=\"1.0\"?>\n");
            out.push_str(&format!("<{root} scanner=\"nmap\" args=\"nmap -oX\">"));
            for c in &children {
                render(c, &mut out);
            }
            if close {
                out.push_str(&format!("</{root}>"));
            }
            out.into_bytes()
        })
}

/// Inventory column headers (and a few that are no field).
const CSV_HEADERS: [&str; 14] = [
    "Name",
    "IP Address",
    "MAC",
    "Serial Number",
    "Asset Tag",
    "Manufacturer",
    "Model",
    "Location",
    "Firmware",
    "Criticality",
    "Department",
    "Hostname",
    "Notes",
    "Install Date",
];

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A CSV inventory: a header of known columns (sometimes ;-separated) and rows of hostile
/// values, some rows ragged.
pub fn csv_document() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(0..CSV_HEADERS.len(), 1..8),
        prop::collection::vec(prop::collection::vec(value_text(), 0..9), 0..20),
        prop_oneof![Just(','), Just(';'), Just('\t')],
    )
        .prop_map(|(cols, rows, sep)| {
            let sep_s = sep.to_string();
            let mut out = cols
                .iter()
                .map(|&i| CSV_HEADERS[i])
                .collect::<Vec<_>>()
                .join(&sep_s);
            out.push('\n');
            for r in rows {
                out.push_str(
                    &r.iter()
                        .map(|v| csv_field(v))
                        .collect::<Vec<_>>()
                        .join(&sep_s),
                );
                out.push('\n');
            }
            out.into_bytes()
        })
}

/// HN 1-2019 question IDs and a few that look like them.
const MDS2_IDS: [&str; 16] = [
    "DOC-1",
    "DOC-2",
    "DOC-3",
    "DOC-7",
    "MPII-1",
    "MPII-2.1",
    "CONN-1",
    "CONN-4.1",
    "SBOM-1",
    "RMOT-3",
    "AUTH-1",
    "ENC-1",
    "PAUT-2",
    "SAHD-3",
    "DOC-999",
    "MPII-2.1.1.1.1",
];

/// MDS2 text: lines of `ID: question: answer` and `ID,"question",answer,note` forms.
pub fn mds2_text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        (
            0..MDS2_IDS.len(),
            value_text(),
            prop_oneof![
                Just("Yes".to_string()),
                Just("No".to_string()),
                Just("N/A".to_string()),
                Just("See Notes".to_string()),
                value_text()
            ],
            any::<bool>(),
        ),
        0..40,
    )
    .prop_map(|lines| {
        let mut out =
            String::from("Manufacturer Disclosure Statement for Medical Device Security -- MDS2\n");
        for (id, q, a, csv) in lines {
            if csv {
                out.push_str(&format!("{},\"{q}\",{a},note\n", MDS2_IDS[id]));
            } else {
                out.push_str(&format!("{}:{q}:{a}\n", MDS2_IDS[id]));
            }
        }
        out.into_bytes()
    })
}

/// A cell of a generated spreadsheet.
#[derive(Debug, Clone)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
}

fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        4 => value_text().prop_map(Cell::Text),
        1 => (0..CONTROL_IDS.len()).prop_map(|i| Cell::Text(CONTROL_IDS[i].to_string())),
        1 => (1u32..30).prop_map(|n| Cell::Text(format!("DEV-{n:04}"))),
        1 => any::<f64>().prop_map(Cell::Number),
        1 => (0.0f64..60000.0).prop_map(Cell::Number),
        1 => any::<bool>().prop_map(Cell::Bool),
    ]
}

/// Control IDs of the catalog and a few that are not.
const CONTROL_IDS: [&str; 8] = [
    "ENC-01", "ENC-03", "INV-03", "AC-01", "NET-02", "PM-01", "VULN-01", "XYZ-99",
];

/// A spreadsheet in the template's shape: sheets named as the template names them (control
/// sheets, `1 Inventory`, `Risk Register`, `_medsec`), a header row of the template's columns,
/// and rows of generated cells.
pub fn template_xlsx() -> impl Strategy<Value = Vec<u8>> {
    let sheet = (
        0..medsec::export::layout::SHEETS.len(),
        prop::collection::vec(prop::collection::vec(cell(), 0..12), 0..12),
        any::<bool>(),
    );
    prop::collection::vec(sheet, 1..4).prop_map(|sheets| {
        use medsec::export::layout::{CONTROL_COLUMNS, REGISTER_COLUMNS, SHEETS, SheetKind};
        let mut wb = rust_xlsxwriter::Workbook::new();
        let mut used = std::collections::HashSet::new();
        for (i, rows, shifted) in sheets {
            let (name, kind) = SHEETS[i];
            if !used.insert(name) {
                continue;
            }
            let ws = wb.add_worksheet();
            if ws.set_name(name).is_err() {
                continue;
            }
            let headers: Vec<String> = match kind {
                SheetKind::Controls(_) => CONTROL_COLUMNS
                    .iter()
                    .map(|c| c.header.to_string())
                    .collect(),
                SheetKind::RiskRegister => REGISTER_COLUMNS
                    .iter()
                    .map(|c| c.header.to_string())
                    .collect(),
                SheetKind::Meta => vec!["key".into(), "value".into()],
                _ => [
                    "Device ID",
                    "Name",
                    "Manufacturer",
                    "Model",
                    "Serial Number",
                ]
                .map(String::from)
                .to_vec(),
            };
            let first = u16::from(shifted);
            for (c, h) in headers.iter().enumerate() {
                let _ = ws.write_string(0, first + u16::try_from(c).unwrap_or(0), h.as_str());
            }
            for (r, row) in rows.iter().enumerate() {
                let r = u32::try_from(r + 1).unwrap_or(1);
                for (c, v) in row.iter().enumerate() {
                    let c = u16::try_from(c).unwrap_or(0);
                    let _ = match v {
                        Cell::Text(t) => ws.write_string(r, c, t.as_str()).map(|_| ()),
                        Cell::Number(n) => ws.write_number(r, c, *n).map(|_| ()),
                        Cell::Bool(b) => ws.write_boolean(r, c, *b).map(|_| ()),
                    };
                }
            }
        }
        wb.save_to_buffer().unwrap_or_default()
    })
}
