//! What an import would do: one line per host or row (add, update, unchanged, reject) and the
//! device changes to apply in one transaction. Built before anything is written, so `--dry-run`
//! prints exactly what a real run applies.

use std::collections::HashMap;

use crate::device::Device;
use crate::device::fields::split_multi;
use crate::workbook::{DeviceChange, FieldSource};

/// What happens to one host or row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new device.
    Add,
    /// An existing device changes.
    Update,
    /// Matched an existing device; nothing would change.
    Unchanged,
    /// The same device as an earlier host or row of this file: merged into it.
    Merged,
    /// Not applied; the detail says why.
    Reject,
}

impl Outcome {
    /// The word printed in reports: `add`, `update`, `unchanged`, `merged`, `reject`.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Add => "add",
            Outcome::Update => "update",
            Outcome::Unchanged => "unchanged",
            Outcome::Merged => "merged",
            Outcome::Reject => "reject",
        }
    }
}

/// One line of an import report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    /// Where in the file: `line 12`, `row 10`, `K12`.
    pub location: String,
    /// What happens.
    pub outcome: Outcome,
    /// The device: its short ID, or `new` for one not yet added.
    pub device: String,
    /// What matched, what changes, or why it is rejected.
    pub detail: String,
}

/// The result of planning an import.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    /// One line per host or row, in file order.
    pub lines: Vec<ReportLine>,
    /// The changes to apply: `Some(id)` updates that device, `None` adds one.
    pub changes: Vec<(Option<i64>, DeviceChange)>,
    /// Things worth knowing that do not stop the import.
    pub warnings: Vec<String>,
}

/// Counts per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// New devices.
    pub added: usize,
    /// Changed devices.
    pub updated: usize,
    /// Matched, unchanged.
    pub unchanged: usize,
    /// Merged into a device added earlier in the same file.
    pub merged: usize,
    /// Rejected hosts or rows.
    pub rejected: usize,
}

impl ImportPlan {
    /// Counts per outcome.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for l in &self.lines {
            match l.outcome {
                Outcome::Add => c.added += 1,
                Outcome::Update => c.updated += 1,
                Outcome::Unchanged => c.unchanged += 1,
                Outcome::Merged => c.merged += 1,
                Outcome::Reject => c.rejected += 1,
            }
        }
        c
    }

    /// The report as text: a line per host or row, then warnings.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for l in &self.lines {
            out.push_str(&format!(
                "{:<9} {:<10} {:<10} {}\n",
                l.outcome.label(),
                l.location,
                l.device,
                l.detail
            ));
        }
        for w in &self.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        out
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} added, {} updated, {} unchanged, ",
            self.added, self.updated, self.unchanged
        )?;
        if self.merged > 0 {
            write!(f, "{} merged, ", self.merged)?;
        }
        write!(f, "{} rejected", self.rejected)
    }
}

/// A device as the matcher sees it: an existing one, or one this import adds.
#[derive(Debug, Clone)]
pub(super) enum Slot {
    Existing(i64),
    Pending(usize),
}

/// Indexes of the devices an import can match: existing ones plus those it adds.
#[derive(Debug, Default)]
pub(super) struct DeviceIndex {
    pub devices: Vec<Device>,
    by_id: HashMap<i64, usize>,
    pub by_mac: HashMap<String, Slot>,
    pub by_ip: HashMap<String, Vec<Slot>>,
    pub by_ip_host: HashMap<(String, String), Slot>,
    pub by_asset_tag: HashMap<String, Slot>,
    pub by_serial: HashMap<(String, String), Slot>,
}

impl DeviceIndex {
    pub fn new(devices: Vec<Device>) -> DeviceIndex {
        let mut index = DeviceIndex::default();
        for (i, d) in devices.iter().enumerate() {
            index.by_id.insert(d.id, i);
            index.add_keys(d, Slot::Existing(d.id));
        }
        index.devices = devices;
        index
    }

    /// Registers the identifying values of a device (existing, or pending with its values).
    pub fn add_keys(&mut self, d: &Device, slot: Slot) {
        for mac in split_multi(d.get("mac_addresses")) {
            self.by_mac.entry(mac.to_string()).or_insert(slot.clone());
        }
        for ip in split_multi(d.get("ip_addresses")) {
            self.by_ip
                .entry(ip.to_string())
                .or_default()
                .push(slot.clone());
            for host in split_multi(d.get("hostname")) {
                self.by_ip_host
                    .entry((ip.to_string(), host.to_lowercase()))
                    .or_insert(slot.clone());
            }
        }
        let tag = d.get("asset_tag").trim().to_lowercase();
        if !tag.is_empty() {
            self.by_asset_tag.entry(tag).or_insert(slot.clone());
        }
        let serial = d.get("serial_number").trim().to_lowercase();
        if !serial.is_empty() {
            let maker = d.get("manufacturer").trim().to_lowercase();
            self.by_serial.entry((maker, serial)).or_insert(slot);
        }
    }

    pub fn existing(&self, id: i64) -> Option<&Device> {
        self.by_id.get(&id).and_then(|i| self.devices.get(*i))
    }
}

/// A device built from a change (for indexing pending additions and diffing).
pub(super) fn device_from_change(change: &DeviceChange) -> Device {
    let mut d = Device::default();
    for (k, v) in &change.values {
        if !v.is_empty() {
            d.values.insert(k.to_string(), v.clone());
        }
    }
    if let Some(s) = &change.services {
        d.services = s.clone();
    }
    d
}

/// Keeps only the parts of `change` that would alter `device` (respecting typed fields the
/// source may not overwrite). Returns the fields that change, for the report.
fn diff_change(
    device: &Device,
    change: &mut DeviceChange,
    typed: &[String],
    source: FieldSource,
) -> Vec<String> {
    let mut changed = Vec::new();
    change.values.retain(|(k, v)| {
        let protected = source != FieldSource::Typed && typed.iter().any(|t| t == k);
        let differs = device.get(k) != v;
        if differs && !protected {
            changed.push(k.to_string());
            true
        } else {
            false
        }
    });
    if let Some(services) = &change.services {
        if device.services == *services {
            change.services = None;
        } else {
            changed.push("network_services".to_string());
        }
    }
    change.extra.retain(|(h, v)| {
        let differs = device
            .extra
            .iter()
            .find(|(eh, _)| eh == h)
            .map(|(_, ev)| ev)
            != Some(v);
        if differs {
            changed.push(format!("extra: {h}"));
        }
        differs
    });
    changed
}

/// Compares a change with the existing device it matched: keeps in `change` only what differs
/// (and may be overwritten by `source`) and returns the report line, `Update` or `Unchanged`.
pub(super) fn matched_line(
    device: &Device,
    change: &mut DeviceChange,
    typed: &HashMap<i64, Vec<String>>,
    source: FieldSource,
    how: &str,
    location: String,
) -> ReportLine {
    let typed_fields = typed.get(&device.id).map(Vec::as_slice).unwrap_or(&[]);
    let changed = diff_change(device, change, typed_fields, source);
    let name = device.get("name");
    let (outcome, detail) = if changed.is_empty() {
        (Outcome::Unchanged, format!("{name} (matched on {how})"))
    } else {
        (
            Outcome::Update,
            format!("{name} (matched on {how}): {}", changed.join(", ")),
        )
    };
    ReportLine {
        location,
        outcome,
        device: device.short_id(),
        detail,
    }
}
