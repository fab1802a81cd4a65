//! Maps an nmap scan onto the workbook's devices (PRODUCT.md "Devices from several sources"):
//! a host that is up becomes a device named by its hostname, else its IP; scan data goes to
//! `mac_vendor`, `os_guess`, `network_services` and `last_seen`; re-import matches by MAC, else by
//! IP + hostname, else (only when the device has neither MAC nor hostname) by IP alone; otherwise
//! a new device, flagged "possible duplicate" when its IP is already known.

use std::collections::HashMap;

use super::nmap::{Scan, ScanHost};
use super::plan::{
    DeviceIndex, ImportPlan, Outcome, ReportLine, Slot, device_from_change, matched_line,
};
use crate::device::Device;
use crate::device::fields::split_multi;
use crate::workbook::{DeviceChange, FieldSource};

/// Plans the import of `scan` against `devices` (the workbook's current devices);
/// `typed` gives, per device row ID, the fields an assessor typed (never overwritten by a scan).
pub fn plan_nmap(
    scan: &Scan,
    devices: Vec<Device>,
    typed: &HashMap<i64, Vec<String>>,
) -> ImportPlan {
    let mut planner = NmapPlanner::new(devices, typed);
    for host in &scan.hosts {
        planner.add(host);
    }
    planner.finish(&scan.warnings)
}

/// [`plan_nmap`] one host at a time, in file order, so a scan is planned as it is parsed and
/// never held whole (see [`nmap::parse_file_streaming`](super::nmap::parse_file_streaming)):
/// `new`, then `add` for every host, then `finish` with the scan's own warnings.
pub struct NmapPlanner<'t> {
    index: DeviceIndex,
    plan: ImportPlan,
    typed: &'t HashMap<i64, Vec<String>>,
    // Position in plan.changes of each existing device this import updates, so a device seen
    // twice in one file gets one change.
    touched: HashMap<i64, usize>,
    // For the n-th device this import adds: its report line and its change.
    add_lines: Vec<usize>,
    add_changes: Vec<usize>,
}

impl<'t> NmapPlanner<'t> {
    /// A planner against `devices` (the workbook's current devices) and `typed` (per device row
    /// ID, the fields an assessor typed).
    pub fn new(devices: Vec<Device>, typed: &'t HashMap<i64, Vec<String>>) -> NmapPlanner<'t> {
        NmapPlanner {
            index: DeviceIndex::new(devices),
            plan: ImportPlan::default(),
            typed,
            touched: HashMap::new(),
            add_lines: Vec::new(),
            add_changes: Vec::new(),
        }
    }

    /// The plan, with the scan's `(line, message)` warnings before the planner's own.
    pub fn finish(mut self, scan_warnings: &[(u64, String)]) -> ImportPlan {
        let own = std::mem::take(&mut self.plan.warnings);
        self.plan.warnings = scan_warnings
            .iter()
            .map(|(line, w)| format!("line {line}: {w}"))
            .chain(own)
            .collect();
        self.plan
    }

    /// Plans one host: an update of the device it matches, a merge into a host earlier in the
    /// file, a new device, or a rejected line.
    pub fn add(&mut self, host: &ScanHost) {
        let NmapPlanner {
            index,
            plan,
            typed,
            touched,
            add_lines,
            add_changes,
        } = self;
        let typed = *typed;
        let location = format!("line {}", host.line);
        let ips: Vec<String> = host.ipv4.iter().chain(host.ipv6.iter()).cloned().collect();
        if ips.is_empty() && host.mac.is_none() {
            plan.lines.push(ReportLine {
                location,
                outcome: Outcome::Reject,
                device: "-".into(),
                detail: "host has no IP or MAC address".into(),
            });
            return;
        }
        let mut change = host_change(host, &ips);
        let (slot, how) = match_host(index, host, &ips);
        match slot {
            Some(Slot::Existing(id)) => {
                let Some(device) = index.existing(id).cloned() else {
                    return;
                };
                let seen = crate::device::fields::parse_datetime(device.get("last_seen"));
                if let (Some(seen), Some(scanned)) = (seen, host.last_seen)
                    && scanned < seen
                {
                    // An older scan must not roll back what a newer one found.
                    plan.warnings.push(format!(
                        "{location}: {} was seen by a newer scan ({}); left as it is",
                        device.short_id(),
                        device.get("last_seen")
                    ));
                    plan.lines.push(ReportLine {
                        location,
                        outcome: Outcome::Unchanged,
                        device: device.short_id(),
                        detail: format!(
                            "{} (matched on {how}): this scan is older than the last one that saw it ({})",
                            device.get("name"),
                            device.get("last_seen")
                        ),
                    });
                    return;
                }
                let line = matched_line(
                    &device,
                    &mut change,
                    typed,
                    FieldSource::Scan,
                    how,
                    location,
                );
                if line.outcome == Outcome::Update {
                    match touched.get(&id).and_then(|&i| plan.changes.get_mut(i)) {
                        Some((_, c)) => {
                            c.values.extend(change.values);
                            if change.services.is_some() {
                                c.services = change.services;
                            }
                        }
                        None => {
                            touched.insert(id, plan.changes.len());
                            plan.changes.push((Some(id), change));
                        }
                    }
                }
                plan.lines.push(line);
            }
            Some(Slot::Pending(n)) => {
                // The same interface seen twice in one scan (e.g. proxy ARP): one device.
                let first = add_lines
                    .get(n)
                    .and_then(|&l| plan.lines.get(l))
                    .map(|l| l.location.clone())
                    .unwrap_or_else(|| "an earlier line".into());
                if let Some((_, c)) = add_changes.get(n).and_then(|&ci| plan.changes.get_mut(ci)) {
                    merge_list(c, "ip_addresses", &ips);
                    merge_list(c, "hostname", &host.hostnames);
                }
                plan.lines.push(ReportLine {
                    location,
                    outcome: Outcome::Merged,
                    device: "new".into(),
                    detail: format!("same {how} as the host at {first}: merged into it"),
                });
            }
            None => {
                let name = host_name(host, &ips);
                change.values.push(("name", name.clone()));
                change.values.push(("in_scope", "Yes".into()));
                let duplicate = ips
                    .iter()
                    .find_map(|ip| index.by_ip.get(ip).and_then(|s| s.first()))
                    .map(|s| match s {
                        Slot::Existing(id) => index
                            .existing(*id)
                            .map(Device::short_id)
                            .unwrap_or_else(|| "a known device".into()),
                        Slot::Pending(_) => "a host earlier in this file".into(),
                    });
                let mut detail = name.clone();
                if let Some(other) = duplicate {
                    detail.push_str(&format!(" — possible duplicate of {other} (same IP)"));
                    plan.warnings.push(format!(
                        "{location}: {name} is a possible duplicate of {other} (same IP, different MAC or hostname)"
                    ));
                }
                index.add_keys(&device_from_change(&change), Slot::Pending(add_lines.len()));
                add_lines.push(plan.lines.len());
                add_changes.push(plan.changes.len());
                plan.changes.push((None, change));
                plan.lines.push(ReportLine {
                    location,
                    outcome: Outcome::Add,
                    device: "new".into(),
                    detail,
                });
            }
        }
    }
}

/// Adds `more` to a `; `-separated field of a pending change, without duplicates.
fn merge_list(change: &mut DeviceChange, key: &'static str, more: &[String]) {
    if more.is_empty() {
        return;
    }
    match change.values.iter_mut().find(|(k, _)| *k == key) {
        Some((_, value)) => {
            let mut parts: Vec<String> = split_multi(value).map(str::to_string).collect();
            for m in more {
                if !parts.iter().any(|p| p.eq_ignore_ascii_case(m)) {
                    parts.push(m.clone());
                }
            }
            *value = parts.join("; ");
        }
        None => change.values.push((key, more.join("; "))),
    }
}

fn host_name(host: &ScanHost, ips: &[String]) -> String {
    host.hostnames
        .first()
        .cloned()
        .or_else(|| ips.first().cloned())
        .or_else(|| host.mac.clone())
        .unwrap_or_else(|| "unnamed host".into())
}

fn host_change(host: &ScanHost, ips: &[String]) -> DeviceChange {
    let mut values: Vec<(&'static str, String)> = Vec::new();
    if !ips.is_empty() {
        values.push(("ip_addresses", ips.join("; ")));
    }
    if let Some(mac) = &host.mac {
        values.push(("mac_addresses", mac.clone()));
    }
    if let Some(v) = &host.mac_vendor {
        values.push(("mac_vendor", v.clone()));
    }
    if !host.hostnames.is_empty() {
        values.push(("hostname", host.hostnames.join("; ")));
    }
    if let Some(os) = &host.os_guess {
        values.push(("os_guess", os.clone()));
    }
    if let Some(t) = host.last_seen {
        values.push(("last_seen", t.format("%Y-%m-%dT%H:%M:%SZ").to_string()));
    }
    DeviceChange {
        values,
        services: (!host.services.is_empty()).then(|| host.services.clone()),
        extra: Vec::new(),
    }
}

fn match_host(
    index: &DeviceIndex,
    host: &ScanHost,
    ips: &[String],
) -> (Option<Slot>, &'static str) {
    if let Some(mac) = &host.mac
        && let Some(s) = index.by_mac.get(mac)
    {
        return (Some(s.clone()), "MAC");
    }
    for ip in ips {
        for name in &host.hostnames {
            if let Some(s) = index.by_ip_host.get(&(ip.clone(), name.to_lowercase())) {
                return (Some(s.clone()), "IP + hostname");
            }
        }
    }
    for ip in ips {
        for slot in index.by_ip.get(ip).into_iter().flatten() {
            if let Slot::Existing(id) = slot
                && let Some(d) = index.existing(*id)
                && split_multi(d.get("mac_addresses")).next().is_none()
                && split_multi(d.get("hostname")).next().is_none()
            {
                return (Some(slot.clone()), "IP only");
            }
        }
    }
    (None, "")
}
