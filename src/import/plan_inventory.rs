//! Maps the rows of an inventory file onto the workbook's devices (PRODUCT.md "Devices from
//! several sources"): re-import matches by `asset_tag`, else manufacturer + `serial_number`, else
//! MAC, else IP + hostname; columns that map to no field are kept as extra attributes.

use std::collections::HashMap;

use super::inventory::InventoryFile;
use super::plan::{
    DeviceIndex, ImportPlan, Outcome, ReportLine, Slot, device_from_change, matched_line,
};
use crate::device::Device;
use crate::device::fields::split_multi;
use crate::workbook::{DeviceChange, FieldSource};

/// Plans the import of an inventory file against `devices`; `typed` gives, per device row ID,
/// the fields an assessor typed (an inventory import leaves them alone).
pub fn plan_inventory(
    file: &InventoryFile,
    devices: Vec<Device>,
    typed: &HashMap<i64, Vec<String>>,
) -> ImportPlan {
    let mut index = DeviceIndex::new(devices);
    let mut plan = ImportPlan::default();
    plan.warnings.extend(file.warnings.iter().cloned());
    let mut rejected = file.rejected.iter().peekable();
    let mut adds = 0usize;
    for row in &file.rows {
        while let Some(r) = rejected.next_if(|r| r.line < row.line) {
            plan.lines.push(reject_line(r));
        }
        let location = format!("row {}", row.line);
        let mut change = DeviceChange {
            values: row.values.clone(),
            services: None,
            extra: row.extra.clone(),
        };
        let candidate = device_from_change(&change);
        let (slot, how) = match_row(&index, &candidate);
        match slot {
            Some(Slot::Existing(id)) => {
                let Some(device) = index.existing(id).cloned() else {
                    continue;
                };
                let line = matched_line(
                    &device,
                    &mut change,
                    typed,
                    FieldSource::Inventory,
                    how,
                    location,
                );
                if line.outcome == Outcome::Update {
                    plan.changes.push((Some(id), change));
                }
                plan.lines.push(line);
            }
            Some(Slot::Pending(_)) => plan.lines.push(ReportLine {
                location,
                outcome: Outcome::Reject,
                device: "new".into(),
                detail: format!("the same device (matched on {how}) is on an earlier row"),
            }),
            None => {
                if !change.values.iter().any(|(k, _)| *k == "in_scope") {
                    change.values.push(("in_scope", "Yes".into()));
                }
                let detail = candidate.get("name").to_string();
                index.add_keys(&candidate, Slot::Pending(adds));
                adds += 1;
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
    for r in rejected {
        plan.lines.push(reject_line(r));
    }
    plan
}

fn reject_line(r: &super::inventory::RejectedRow) -> ReportLine {
    ReportLine {
        location: r.cell.clone().unwrap_or_else(|| format!("row {}", r.line)),
        outcome: Outcome::Reject,
        device: "-".into(),
        detail: r.reason.clone(),
    }
}

fn match_row(index: &DeviceIndex, d: &Device) -> (Option<Slot>, &'static str) {
    let tag = d.get("asset_tag").trim().to_lowercase();
    if !tag.is_empty()
        && let Some(s) = index.by_asset_tag.get(&tag)
    {
        return (Some(s.clone()), "asset tag");
    }
    let serial = d.get("serial_number").trim().to_lowercase();
    if !serial.is_empty() {
        let maker = d.get("manufacturer").trim().to_lowercase();
        if let Some(s) = index.by_serial.get(&(maker, serial)) {
            return (Some(s.clone()), "manufacturer + serial number");
        }
    }
    for mac in split_multi(d.get("mac_addresses")) {
        if let Some(s) = index.by_mac.get(mac) {
            return (Some(s.clone()), "MAC");
        }
    }
    for ip in split_multi(d.get("ip_addresses")) {
        for host in split_multi(d.get("hostname")) {
            if let Some(s) = index.by_ip_host.get(&(ip.to_string(), host.to_lowercase())) {
                return (Some(s.clone()), "IP + hostname");
            }
        }
    }
    (None, "")
}
