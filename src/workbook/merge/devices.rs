//! Matching the other workbook's devices to ours: by UUID (copies of one workbook), then serial
//! number with manufacturer, asset tag, a MAC address in common, then — the rule `import nmap`
//! uses for scan hosts (`import::plan_nmap`) — an IP address and a hostname in common, else an IP
//! address in common when neither device has a MAC address or a hostname.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::rows::{Row, text};
use crate::device::fields::split_multi;

/// How a device of theirs was matched to one of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The same device UUID (copies of one workbook).
    Uuid,
    /// The same serial number and manufacturer (case-insensitive).
    Serial,
    /// The same asset tag (case-insensitive).
    AssetTag,
    /// A MAC address in common.
    Mac,
    /// An IP address and a hostname in common (case-insensitive).
    IpHostname,
    /// An IP address in common, neither device having a MAC address or a hostname.
    IpOnly,
}

impl MatchedBy {
    /// As the dry run says it: `UUID`, `serial number`, `asset tag`, `MAC address`.
    pub fn label(self) -> &'static str {
        match self {
            MatchedBy::Uuid => "UUID",
            MatchedBy::Serial => "serial number",
            MatchedBy::AssetTag => "asset tag",
            MatchedBy::Mac => "MAC address",
            MatchedBy::IpHostname => "IP + hostname",
            MatchedBy::IpOnly => "IP only",
        }
    }
}

/// The MAC addresses of a device row: lower-case hex digits only, 12 each.
fn macs(row: &Row) -> HashSet<String> {
    text(&row.columns, "mac_addresses")
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(|m| {
            m.chars()
                .filter(char::is_ascii_hexdigit)
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|m| m.len() == 12)
        .collect()
}

/// The entries of a multi-value text column (`;`, `,` or newline separated), trimmed and in
/// lower case.
fn list(row: &Row, column: &str) -> HashSet<String> {
    split_multi(text(&row.columns, column))
        .map(str::to_lowercase)
        .collect()
}

/// How `theirs` matches `ours` by network identity, if it does: a common IP address and a common
/// hostname, else a common IP address when neither has a MAC address or a hostname.
fn by_network(ours: &Row, theirs: &Row) -> Option<MatchedBy> {
    let ips = list(theirs, "ip_addresses");
    if ips.is_disjoint(&list(ours, "ip_addresses")) {
        return None;
    }
    let (oh, th) = (list(ours, "hostname"), list(theirs, "hostname"));
    if !th.is_disjoint(&oh) {
        return Some(MatchedBy::IpHostname);
    }
    let bare = |r: &Row, h: &HashSet<String>| h.is_empty() && macs(r).is_empty();
    (bare(ours, &oh) && bare(theirs, &th)).then_some(MatchedBy::IpOnly)
}

fn folded(row: &Row, column: &str) -> String {
    text(&row.columns, column).trim().to_lowercase()
}

/// For each device of theirs matched to one of ours: (their UUID, our UUID, how). Each device of
/// ours is matched at most once; UUIDs first, then the weaker keys in order.
pub(super) fn match_devices(ours: &[Row], theirs: &[Row]) -> Vec<(String, String, MatchedBy)> {
    let uuid = |r: &Row| text(&r.columns, "uuid").to_string();
    let ours_uuids: HashSet<String> = ours.iter().map(uuid).collect();
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    let mut pending = Vec::new();
    for t in theirs {
        let u = uuid(t);
        if ours_uuids.contains(&u) {
            taken.insert(u.clone());
            out.push((u.clone(), u, MatchedBy::Uuid));
        } else {
            pending.push(t);
        }
    }
    let by_key = |column: &dyn Fn(&Row) -> String| -> HashMap<String, Vec<&Row>> {
        let mut m: HashMap<String, Vec<&Row>> = HashMap::new();
        for o in ours {
            let k = column(o);
            if !k.is_empty() {
                m.entry(k).or_default().push(o);
            }
        }
        m
    };
    let serial = |r: &Row| {
        let s = folded(r, "serial_number");
        if s.is_empty() {
            s
        } else {
            format!("{}\u{1f}{s}", folded(r, "manufacturer"))
        }
    };
    let tag = |r: &Row| folded(r, "asset_tag");
    let serials = by_key(&serial);
    let tags = by_key(&tag);
    for t in pending {
        let free = |rows: Option<&Vec<&Row>>, taken: &HashSet<String>| {
            rows.and_then(|rs| {
                rs.iter()
                    .find(|o| !taken.contains(&uuid(o)))
                    .map(|o| uuid(o))
            })
        };
        let s = serial(t);
        let found = (!s.is_empty())
            .then(|| free(serials.get(&s), &taken))
            .flatten()
            .map(|u| (u, MatchedBy::Serial))
            .or_else(|| {
                let a = tag(t);
                (!a.is_empty())
                    .then(|| free(tags.get(&a), &taken))
                    .flatten()
                    .map(|u| (u, MatchedBy::AssetTag))
            })
            .or_else(|| {
                let mine = macs(t);
                if mine.is_empty() {
                    return None;
                }
                ours.iter()
                    .find(|o| !taken.contains(&uuid(o)) && !macs(o).is_disjoint(&mine))
                    .map(|o| (uuid(o), MatchedBy::Mac))
            })
            .or_else(|| {
                let free: Vec<&Row> = ours.iter().filter(|o| !taken.contains(&uuid(o))).collect();
                free.iter()
                    .find_map(|o| {
                        (by_network(o, t) == Some(MatchedBy::IpHostname))
                            .then(|| (uuid(o), MatchedBy::IpHostname))
                    })
                    .or_else(|| {
                        free.iter().find_map(|o| {
                            (by_network(o, t) == Some(MatchedBy::IpOnly))
                                .then(|| (uuid(o), MatchedBy::IpOnly))
                        })
                    })
            });
        if let Some((o, by)) = found {
            taken.insert(o.clone());
            out.push((uuid(t), o, by));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value};

    fn device(uuid: &str, fields: &[(&str, &str)]) -> Row {
        let mut columns = Map::new();
        columns.insert("uuid".into(), Value::from(uuid));
        for (k, v) in fields {
            columns.insert((*k).into(), Value::from(*v));
        }
        Row {
            key: format!("device:{uuid}"),
            subject: String::new(),
            device: Some(uuid.into()),
            control: None,
            columns,
        }
    }

    #[test]
    fn devices_match_by_uuid_then_serial_then_tag_then_mac() {
        let ours = vec![
            device("a", &[]),
            device("b", &[("serial_number", "SN1"), ("manufacturer", "Acme")]),
            device("c", &[("asset_tag", "BME-7")]),
            device("d", &[("mac_addresses", "00:11:22:33:44:55")]),
        ];
        let theirs = vec![
            device("a", &[]),
            device("x", &[("serial_number", "sn1 "), ("manufacturer", "ACME")]),
            device("y", &[("asset_tag", "bme-7")]),
            device(
                "z",
                &[("mac_addresses", "00-11-22-33-44-55, 66:77:88:99:aa:bb")],
            ),
            device("n", &[("serial_number", "SN1"), ("manufacturer", "Other")]),
        ];
        let m = match_devices(&ours, &theirs);
        assert_eq!(
            m,
            vec![
                ("a".into(), "a".into(), MatchedBy::Uuid),
                ("x".into(), "b".into(), MatchedBy::Serial),
                ("y".into(), "c".into(), MatchedBy::AssetTag),
                ("z".into(), "d".into(), MatchedBy::Mac),
            ]
        );
    }

    #[test]
    fn devices_match_by_ip_and_hostname_else_by_ip_only_when_bare() {
        let ours = vec![
            device("a", &[("ip_addresses", "10.0.0.5"), ("hostname", "PUMP-1")]),
            device("b", &[("ip_addresses", "10.0.0.6")]),
            device(
                "c",
                &[("ip_addresses", "10.0.0.7"), ("hostname", "monitor-3")],
            ),
            device(
                "d",
                &[
                    ("ip_addresses", "10.0.0.8"),
                    ("mac_addresses", "00:11:22:33:44:55"),
                ],
            ),
        ];
        let theirs = vec![
            device(
                "x",
                &[
                    ("ip_addresses", "10.0.0.9; 10.0.0.5"),
                    ("hostname", "pump-1"),
                ],
            ),
            device("y", &[("ip_addresses", "10.0.0.6")]),
            // Same IP, but ours has a hostname and theirs another: not the same host.
            device("z", &[("ip_addresses", "10.0.0.7"), ("hostname", "other")]),
            // Same IP, but ours has a MAC address: not matched on the IP alone.
            device("w", &[("ip_addresses", "10.0.0.8")]),
        ];
        let m = match_devices(&ours, &theirs);
        assert_eq!(
            m,
            vec![
                ("x".into(), "a".into(), MatchedBy::IpHostname),
                ("y".into(), "b".into(), MatchedBy::IpOnly),
            ]
        );
    }
}
