//! `1 Inventory` rows: matched to devices ([`super::matching`]), every field read as the CLI
//! reads it ([`crate::device::fields::FieldDef::normalize`]), diffed with the stored device, new
//! devices added (a name is required), computed columns compared with what the export writes.

use std::collections::HashMap;

use super::Ctx;
use super::matching::{DeviceKeys, RecordState, Slot};
use super::report::{Report, RowLines, shown};
use super::values::{cell_text, field as read_field, quote, same_cell};
use crate::device::Device;
use crate::device::fields::{self, FieldDef, FieldKind, format_short_id, parse_short_id};
use crate::export::sheets::inventory::field_value;
use crate::import::changeset::{DeviceRecord, Origin, Value};
use crate::workbook::DeviceChange;

/// What the inventory rows do.
#[derive(Debug, Default)]
pub(super) struct DevicePlan {
    /// How each record of `Changeset::devices` resolved (same order).
    pub(super) states: Vec<RecordState>,
    /// The changes to apply: `Some(id)` updates, `None` adds.
    pub(super) changes: Vec<(Option<i64>, DeviceChange)>,
    /// Record index → index in `changes` of the device it adds.
    pub(super) new_index: HashMap<usize, usize>,
    /// Every device after the import: the workbook's (changes applied), then the new ones (row ID
    /// `-(record index + 1)`).
    pub(super) planned: Vec<Device>,
    /// Row ID → index in `planned`.
    at: HashMap<i64, usize>,
}

impl DevicePlan {
    /// The device after the import.
    pub(super) fn device(&self, slot: Slot) -> Option<&Device> {
        let id = match slot {
            Slot::Existing(id) => id,
            Slot::New(i) => new_device_id(i),
        };
        self.at.get(&id).and_then(|i| self.planned.get(*i))
    }
}

/// The row ID a new device has in [`DevicePlan::planned`].
pub(super) fn new_device_id(record: usize) -> i64 {
    -(i64::try_from(record).unwrap_or(i64::MAX - 1) + 1)
}

/// The fields devices are matched on (asset tag, manufacturer + serial number, name).
const MATCH_FIELDS: [&str; 4] = ["asset_tag", "manufacturer", "serial_number", "name"];

/// One record after reading its values.
struct Read<'r> {
    lines: RowLines,
    /// Settable fields: (definition, canonical value, origin).
    values: Vec<(&'static FieldDef, String, Origin)>,
    /// Computed fields as read.
    computed: Vec<(&'static FieldDef, &'r Value)>,
    /// Extra attributes: (header, cleaned value, origin).
    extra: Vec<(String, String, Origin)>,
    /// Built from the values, for matching.
    candidate: Device,
}

/// Plans the `1 Inventory` rows.
pub(super) fn plan(ctx: &Ctx<'_>, report: &mut Report) -> DevicePlan {
    let records = &ctx.cs.devices;
    let mut keys = DeviceKeys::default();
    let mut uuids: HashMap<String, i64> = HashMap::new();
    let mut numbers: HashMap<i64, i64> = HashMap::new();
    for d in &ctx.data.devices {
        keys.insert(Slot::Existing(d.device.id), &d.device);
        uuids.insert(d.device.uuid.to_lowercase(), d.device.id);
        numbers.insert(d.device.number, d.device.id);
    }
    let short = |id: i64| {
        ctx.device_at
            .get(&id)
            .and_then(|i| ctx.data.devices.get(*i))
            .map_or_else(|| format!("device #{id}"), |d| d.device.short_id())
    };
    let row_of = |i: usize| {
        records.get(i).and_then(|r| r.origin.as_ref()).map_or_else(
            || format!("inventory record {}", i + 1),
            ToString::to_string,
        )
    };
    let shown_slot = |s: Slot| match s {
        Slot::Existing(id) => short(id),
        Slot::New(i) => format!("the new device on {}", row_of(i)),
    };

    // Pass 1: read and match every record, so references between rows can be resolved.
    let mut reads: Vec<Option<Read<'_>>> = Vec::with_capacity(records.len());
    let mut states = Vec::with_capacity(records.len());
    let mut taken: HashMap<i64, usize> = HashMap::new();
    for (i, rec) in records.iter().enumerate() {
        let Some(mut read) = read_record(rec) else {
            reads.push(None);
            states.push(RecordState::Blank);
            continue;
        };
        let found = if ctx.own_copy {
            by_uuid_or_id(rec, &uuids, &numbers, &short)
        } else {
            Ok(None)
        };
        let state = match found {
            Err((origin, reason)) => {
                read.lines.reject(&origin, reason);
                RecordState::Rejected
            }
            Ok(Some(id)) => RecordState::Existing(id),
            Ok(None) => match keys.find(&read.candidate, &shown_slot) {
                Err(reason) => {
                    read.lines.reject(&row_origin(rec), reason);
                    RecordState::Rejected
                }
                Ok(Some((Slot::Existing(id), how))) => {
                    if !ctx.own_copy {
                        read.lines
                            .set_subject(format!("{} (matched on {how})", short(id)));
                    }
                    RecordState::Existing(id)
                }
                Ok(Some((Slot::New(j), how))) => {
                    read.lines.reject(
                        &row_origin(rec),
                        format!("the same device (matched on {how}) as {}", row_of(j)),
                    );
                    RecordState::Rejected
                }
                Ok(None) => RecordState::New,
            },
        };
        let state = match state {
            RecordState::Existing(id) => match taken.get(&id) {
                Some(j) => {
                    read.lines.reject(
                        &row_origin(rec),
                        format!("the same device ({}) as {}", short(id), row_of(*j)),
                    );
                    RecordState::Rejected
                }
                None => {
                    taken.insert(id, i);
                    if read.lines.subject().is_empty() {
                        read.lines.set_subject(short(id));
                    }
                    RecordState::Existing(id)
                }
            },
            RecordState::New => {
                if read.candidate.get("name").is_empty() {
                    let origin = field_origin(&read, "name").unwrap_or_else(|| row_origin(rec));
                    read.lines.reject(
                        &origin,
                        "a new device needs a name (Device Name column)".to_string(),
                    );
                    RecordState::Rejected
                } else {
                    keys.insert(Slot::New(i), &read.candidate);
                    read.lines.set_subject("new device".to_string());
                    read.lines.set_adds();
                    RecordState::New
                }
            }
            other => other,
        };
        // A bad value rejects the row's changes; a device it matched still exists for the
        // control rows that refer to it, a device it would add does not.
        let state = match state {
            RecordState::New if read.lines.is_rejected() => RecordState::Rejected,
            other => other,
        };
        states.push(state);
        reads.push(Some(read));
    }

    // Pass 2: diff, and build the changes.
    let file_ids: HashMap<String, usize> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let v = r.device_id.as_ref()?;
            (!v.is_blank()).then(|| (v.trimmed().to_uppercase(), i))
        })
        .collect();
    let mut plan = DevicePlan {
        planned: ctx.data.devices.iter().map(|d| d.device.clone()).collect(),
        ..DevicePlan::default()
    };
    plan.at = plan
        .planned
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id, i))
        .collect();
    for (i, read) in reads.into_iter().enumerate() {
        let Some(mut read) = read else { continue };
        let state = states.get(i).copied().unwrap_or(RecordState::Rejected);
        let mut change = DeviceChange::default();
        // A parent device names the file's own rows in a template or foreign copy.
        let mut values = Vec::with_capacity(read.values.len());
        for (def, value, origin) in std::mem::take(&mut read.values) {
            if def.key == "parent_device" && !ctx.own_copy && !value.is_empty() {
                let mapped = file_ids
                    .get(&value.to_uppercase())
                    .and_then(|j| states.get(*j))
                    .and_then(|s| match s {
                        RecordState::Existing(id) => Some(short(*id)),
                        _ => None,
                    });
                match mapped {
                    Some(m) => values.push((def, m, origin)),
                    None => read.lines.ignore(
                        &origin,
                        format!(
                            "{} {}: not a device of this workbook (set it after the import)",
                            def.header,
                            quote(&value)
                        ),
                    ),
                }
                continue;
            }
            values.push((def, value, origin));
        }
        match state {
            RecordState::Existing(id) => {
                let Some(slot) = plan.at.get(&id).and_then(|i| plan.planned.get_mut(*i)) else {
                    continue;
                };
                for (def, new, origin) in &values {
                    if new.is_empty() && !ctx.blanks_clear() {
                        continue;
                    }
                    let old = slot.get(def.key).to_string();
                    // In a template or foreign copy, the spelling of what matched is no edit.
                    let same_key = !ctx.own_copy
                        && MATCH_FIELDS.contains(&def.key)
                        && new.eq_ignore_ascii_case(&old);
                    if *new != old && !same_key {
                        let quoted = matches!(def.kind, FieldKind::Text);
                        read.lines.change(
                            origin,
                            def.header,
                            &shown(&old, quoted),
                            &shown(new, quoted),
                        );
                        change.values.push((def.key, new.clone()));
                    }
                }
                for (header, new, origin) in &read.extra {
                    if new.is_empty() && !ctx.blanks_clear() {
                        continue;
                    }
                    let old = slot
                        .extra
                        .iter()
                        .find(|(h, _)| h == header)
                        .map_or("", |(_, v)| v.as_str());
                    if new != old {
                        read.lines.change(
                            origin,
                            &format!("extra: {header}"),
                            &shown(old, true),
                            &shown(new, true),
                        );
                        change.extra.push((header.clone(), new.clone()));
                    }
                }
                if let Some(entry) = ctx
                    .device_at
                    .get(&id)
                    .and_then(|k| ctx.data.devices.get(*k))
                    // On a sheet nobody edited, a computed cell that differs says the workbook
                    // moved on.
                    .filter(|_| ctx.own_copy && !ctx.untouched(&row_origin(&records[i])))
                {
                    for (def, v) in &read.computed {
                        let written = cell_text(&field_value(entry, def.key, def.kind).0);
                        if !same_cell(&v.text, &written) {
                            read.lines.ignore(
                                &v.origin,
                                format!(
                                    "{} {}: computed by medsec (it writes {}); not applied",
                                    def.header,
                                    quote(&v.text),
                                    shown(&written, false)
                                ),
                            );
                        }
                    }
                }
                let row = row_origin(&records[i]);
                let newer = ctx
                    .device_changed_since_export(id)
                    .filter(|_| read.lines.has_changes() && !read.lines.is_rejected());
                if ctx.untouched(&row) && read.lines.has_changes() && !read.lines.is_rejected() {
                    read.lines.drop_changes();
                    report.note_untouched(&row);
                } else if let Some(at) = newer {
                    // Work done in the workbook after the export is newer than the copy.
                    read.lines.drop_changes();
                    read.lines.ignore(
                        &row,
                        format!(
                            "not applied: the device was changed in the workbook at {} UTC, after this copy was exported; the workbook's values are kept (export again to edit it)",
                            at.format("%Y-%m-%d %H:%M")
                        ),
                    );
                } else if !read.lines.is_rejected() && read.lines.has_changes() {
                    apply_to(slot, &change);
                    plan.changes.push((Some(id), change));
                }
            }
            RecordState::New => {
                for (def, new, _) in &values {
                    if !new.is_empty() {
                        change.values.push((def.key, new.clone()));
                    }
                }
                if !change.values.iter().any(|(k, _)| *k == "in_scope") {
                    change.values.push(("in_scope", "Yes".into()));
                }
                for (header, new, _) in &read.extra {
                    if !new.is_empty() {
                        change.extra.push((header.clone(), new.clone()));
                    }
                }
                // Another workbook's export carries its own computed figures: nothing to say.
                // In a template someone typed them, so they are told.
                for (def, v) in read.computed.iter().filter(|_| ctx.template) {
                    if !v.is_blank() {
                        read.lines.ignore(
                            &v.origin,
                            format!(
                                "{} {}: computed by medsec; not applied",
                                def.header,
                                quote(&v.text)
                            ),
                        );
                    }
                }
                let file_id = records
                    .get(i)
                    .and_then(|r| r.device_id.as_ref())
                    .filter(|v| !v.is_blank())
                    .map(|v| format!(" (the file's {})", v.trimmed()))
                    .unwrap_or_default();
                let row = row_origin(&records[i]);
                read.lines.note(
                    &row,
                    format!(
                        "{}{file_id}, {} fields",
                        quote(read.candidate.get("name")),
                        change.values.len()
                    ),
                );
                if !read.lines.is_rejected() {
                    let mut device = Device {
                        id: new_device_id(i),
                        ..Device::default()
                    };
                    apply_to(&mut device, &change);
                    plan.at.insert(device.id, plan.planned.len());
                    plan.planned.push(device);
                    plan.new_index.insert(i, plan.changes.len());
                    plan.changes.push((None, change));
                }
            }
            _ => {}
        }
        read.lines.finish(report);
    }
    plan.states = states;
    plan
}

/// The record's row (or the file).
fn row_origin(rec: &DeviceRecord) -> Origin {
    rec.origin.clone().unwrap_or(Origin::File)
}

/// Where a field's value came from.
fn field_origin(read: &Read<'_>, key: &str) -> Option<Origin> {
    read.values
        .iter()
        .find(|(d, _, _)| d.key == key)
        .map(|(_, _, o)| o.clone())
}

/// Reads a record's values; `None` when every field and extra attribute is blank (a template's
/// unused row). Values that do not fit their field reject the row.
fn read_record(rec: &DeviceRecord) -> Option<Read<'_>> {
    let settable_blank = rec.fields.iter().all(|(k, v)| {
        v.is_blank() || fields::field(k).is_none_or(|d| d.kind == FieldKind::Computed)
    });
    if settable_blank && rec.extra.iter().all(|(_, v)| v.is_blank()) {
        return None;
    }
    let mut read = Read {
        lines: RowLines::new(row_origin(rec), String::new(), false),
        values: Vec::new(),
        computed: Vec::new(),
        extra: Vec::new(),
        candidate: Device::default(),
    };
    for (key, v) in &rec.fields {
        let Some(def) = fields::field(key) else {
            read.lines
                .ignore(&v.origin, format!("unknown inventory field `{key}`"));
            continue;
        };
        if def.key == "device_id" {
            continue;
        }
        if def.kind == FieldKind::Computed {
            read.computed.push((def, v));
            continue;
        }
        match read_field(def, v) {
            Ok(value) => {
                if !value.is_empty() {
                    read.candidate
                        .values
                        .insert(def.key.to_string(), value.clone());
                }
                read.values.push((def, value, v.origin.clone()));
            }
            Err(reason) => read
                .lines
                .reject(&v.origin, format!("{}: {reason}", def.header)),
        }
    }
    for (header, v) in &rec.extra {
        match super::values::text(v, "extra attribute") {
            Ok(t) => read.extra.push((header.clone(), t, v.origin.clone())),
            Err(reason) => read.lines.reject(&v.origin, reason),
        }
    }
    Some(read)
}

/// A copy of this workbook: the record's device by its hidden UUID, else its Device ID;
/// `Ok(None)` when it has neither (a row added by hand). The two must agree.
fn by_uuid_or_id(
    rec: &DeviceRecord,
    uuids: &HashMap<String, i64>,
    numbers: &HashMap<i64, i64>,
    short: &dyn Fn(i64) -> String,
) -> Result<Option<i64>, (Origin, String)> {
    let id_value = rec.device_id.as_ref().filter(|v| !v.is_blank());
    let by_number = id_value.and_then(|v| parse_short_id(v.trimmed()));
    if let Some(u) = rec.uuid.as_ref().filter(|v| !v.is_blank()) {
        let Some(id) = uuids.get(&u.trimmed().to_lowercase()) else {
            return Err((
                u.origin.clone(),
                "no device with this Device UUID in the workbook (deleted since the export? see `medsec device undelete`)"
                    .to_string(),
            ));
        };
        if let (Some(v), Some(n)) = (id_value, by_number)
            && numbers.get(&n) != Some(id)
        {
            return Err((
                v.origin.clone(),
                format!(
                    "Device ID {} does not match the row's hidden Device UUID ({}); undo the edit of the Device ID",
                    format_short_id(n),
                    short(*id)
                ),
            ));
        }
        return Ok(Some(*id));
    }
    match (id_value, by_number) {
        (Some(v), Some(n)) => numbers.get(&n).map(|id| Some(*id)).ok_or_else(|| {
            (
                v.origin.clone(),
                format!(
                    "no device {} in the workbook (leave the Device ID blank to add a new device)",
                    format_short_id(n)
                ),
            )
        }),
        _ => Ok(None),
    }
}

/// Applies a change to a device's values and extra attributes (as the workbook would).
fn apply_to(device: &mut Device, change: &DeviceChange) {
    for (k, v) in &change.values {
        if v.is_empty() {
            device.values.remove(*k);
        } else {
            device.values.insert(k.to_string(), v.clone());
        }
    }
    for (h, v) in &change.extra {
        match device.extra.iter_mut().find(|(eh, _)| eh == h) {
            Some(slot) => slot.1 = v.clone(),
            None => device.extra.push((h.clone(), v.clone())),
        }
    }
}
