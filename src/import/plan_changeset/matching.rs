//! Which device, model or site a row of a filled copy is about.
//!
//! - `1 Inventory` rows: a copy of this workbook matches by the hidden Device UUID, else by the
//!   Device ID (`DEV-0007`); a foreign copy, a template, or a row added by hand (no UUID, no
//!   Device ID) matches by asset tag, else manufacturer + serial number, else name (each
//!   case-insensitive and trimmed); a row that matches nothing is a new device.
//! - Control-sheet and register rows: `MODEL:<manufacturer>/<model>`, `SITE:<site>` and `SITE`
//!   are models and sites; a Device ID refers to the file's own `1 Inventory` row with that ID
//!   (in a template, `DEV-0001` is the template's first row, not the workbook's DEV-0001); a copy
//!   of this workbook also matches the Row Key's UUID and, for rows whose device is not on its
//!   inventory sheet, the workbook's device with that ID.

use std::collections::HashMap;

use crate::assessment::{Target, model_key};
use crate::device::Device;
use crate::device::fields::parse_short_id;
use crate::export::plan::{ExportData, scope_row_key};
use crate::import::changeset::{DeviceRecord, Value};

/// A device a row refers to: one in the workbook, or one this import adds (the index of its
/// `1 Inventory` record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Slot {
    /// A device in the workbook (row ID).
    Existing(i64),
    /// A device added by the inventory record with this index.
    New(usize),
}

/// What a control-sheet or register row is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Subject {
    /// A device.
    Device(Slot),
    /// A model or a site (as spelled where it was found).
    Scope(Target),
}

/// A subject as a map key: models and sites case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Key {
    /// A device in the workbook.
    Device(i64),
    /// A device this import adds.
    New(usize),
    /// A model or site: [`scope_row_key`].
    Scope(String),
}

impl Subject {
    /// The subject as a map key.
    pub(super) fn key(&self) -> Key {
        match self {
            Subject::Device(Slot::Existing(id)) => Key::Device(*id),
            Subject::Device(Slot::New(i)) => Key::New(*i),
            Subject::Scope(t) => Key::Scope(scope_row_key(t)),
        }
    }
}

/// How an inventory record resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RecordState {
    /// It is this workbook device (changed or not).
    Existing(i64),
    /// It adds a device.
    New,
    /// Every field is blank (a template's unused row): ignored.
    Blank,
    /// It was rejected.
    Rejected,
}

/// Identifying values of devices, for matching records that carry no UUID or Device ID.
#[derive(Debug, Default)]
pub(super) struct DeviceKeys {
    by_tag: HashMap<String, Vec<Slot>>,
    by_serial: HashMap<(String, String), Vec<Slot>>,
    by_name: HashMap<String, Vec<Slot>>,
}

/// Lower-cased, trimmed, inner white space folded: how names, tags and serials compare.
fn folded(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl DeviceKeys {
    /// Registers a device's asset tag, manufacturer + serial number and name.
    pub(super) fn insert(&mut self, slot: Slot, d: &Device) {
        let tag = folded(d.get("asset_tag"));
        if !tag.is_empty() {
            self.by_tag.entry(tag).or_default().push(slot);
        }
        let serial = folded(d.get("serial_number"));
        if !serial.is_empty() {
            let maker = folded(d.get("manufacturer"));
            self.by_serial
                .entry((maker, serial))
                .or_default()
                .push(slot);
        }
        let name = folded(d.get("name"));
        if !name.is_empty() {
            self.by_name.entry(name).or_default().push(slot);
        }
    }

    /// The device `d` (built from a record) matches: by asset tag, else manufacturer + serial
    /// number, else name; with what it matched on. `Ok(None)` when nothing matches.
    ///
    /// Errors: the value matches several devices (which, by short ID or as new rows).
    pub(super) fn find(
        &self,
        d: &Device,
        shown: &dyn Fn(Slot) -> String,
    ) -> Result<Option<(Slot, &'static str)>, String> {
        let tag = folded(d.get("asset_tag"));
        let serial = folded(d.get("serial_number"));
        let name = folded(d.get("name"));
        let candidates = [
            (!tag.is_empty())
                .then(|| self.by_tag.get(&tag))
                .flatten()
                .map(|s| (s, "asset tag")),
            (!serial.is_empty())
                .then(|| {
                    self.by_serial
                        .get(&(folded(d.get("manufacturer")), serial.clone()))
                })
                .flatten()
                .map(|s| (s, "manufacturer + serial number")),
            (!name.is_empty())
                .then(|| self.by_name.get(&name))
                .flatten()
                .map(|s| (s, "name")),
        ];
        for (slots, how) in candidates.into_iter().flatten() {
            match slots.as_slice() {
                [] => continue,
                [one] => return Ok(Some((*one, how))),
                many => {
                    let names: Vec<String> = many.iter().map(|s| shown(*s)).collect();
                    return Err(format!(
                        "its {how} matches {} devices ({}); give it a unique asset tag",
                        many.len(),
                        names.join(", ")
                    ));
                }
            }
        }
        Ok(None)
    }
}

/// Resolves the Device ID and Row Key of control-sheet and register rows.
pub(super) struct Resolver<'a> {
    own_copy: bool,
    records: &'a [DeviceRecord],
    states: &'a [RecordState],
    /// The file's Device IDs (upper-cased) → record index.
    file_ids: HashMap<String, usize>,
    /// The file's Device UUIDs (lower-cased) → record index.
    file_uuids: HashMap<String, usize>,
    /// The workbook's devices by number and by UUID (lower-cased), and their short IDs.
    numbers: HashMap<i64, i64>,
    uuids: HashMap<String, i64>,
    short_ids: HashMap<i64, String>,
    /// Known models and sites: lower-cased column-A ID (`model:baxter/sigma`) or row key → target.
    scopes: HashMap<String, Target>,
}

/// A Device ID as the file's rows are indexed: trimmed, upper-cased.
fn id_key(text: &str) -> String {
    text.trim().to_uppercase()
}

impl<'a> Resolver<'a> {
    /// A resolver over the workbook's current state (`data`), the file's inventory records and
    /// how each resolved, and the devices after the import (`planned`, for models and sites
    /// this import introduces).
    pub(super) fn new(
        own_copy: bool,
        data: &ExportData,
        records: &'a [DeviceRecord],
        states: &'a [RecordState],
        planned: &[Device],
    ) -> Resolver<'a> {
        let mut file_ids = HashMap::new();
        let mut file_uuids = HashMap::new();
        for (i, r) in records.iter().enumerate() {
            if let Some(v) = r.device_id.as_ref().filter(|v| !v.is_blank()) {
                file_ids.entry(id_key(&v.text)).or_insert(i);
            }
            if let Some(v) = r.uuid.as_ref().filter(|v| !v.is_blank()) {
                file_uuids.entry(v.trimmed().to_lowercase()).or_insert(i);
            }
        }
        let mut numbers = HashMap::new();
        let mut uuids = HashMap::new();
        let mut short_ids = HashMap::new();
        for d in &data.devices {
            numbers.insert(d.device.number, d.device.id);
            uuids.insert(d.device.uuid.to_lowercase(), d.device.id);
            short_ids.insert(d.device.id, d.device.short_id());
        }
        let mut scopes = HashMap::new();
        for s in data.models.iter().chain(&data.sites) {
            scopes.insert(s.id.to_lowercase(), s.target.clone());
            scopes.insert(s.key.to_lowercase(), s.target.clone());
        }
        for d in planned {
            let (m, n) = (d.get("manufacturer"), d.get("model"));
            if !m.trim().is_empty() && !n.trim().is_empty() {
                let t = Target::Model {
                    manufacturer: m.to_string(),
                    model: n.to_string(),
                };
                scopes
                    .entry(format!("model:{}", model_key(m, n).replace('\u{1f}', "/")))
                    .or_insert(t);
            }
            let site = d.get("site").trim();
            let t = Target::Site(site.to_string());
            let key = if site.is_empty() {
                "site".to_string()
            } else {
                format!("site:{}", site.to_lowercase())
            };
            scopes.entry(key).or_insert(t);
        }
        Resolver {
            own_copy,
            records,
            states,
            file_ids,
            file_uuids,
            numbers,
            uuids,
            short_ids,
            scopes,
        }
    }

    /// What the row is about, from column A (`target`) and the hidden Row Key (`row_key`,
    /// `<uuid or scope key>|<control>`); when both name something they must agree.
    ///
    /// Errors: a reason in words (no such device, a blank or rejected inventory row, a
    /// malformed model row, the two columns disagree).
    pub(super) fn resolve(
        &self,
        target: Option<&Value>,
        row_key: Option<&Value>,
    ) -> Result<Subject, String> {
        let by_key = row_key
            .filter(|v| !v.is_blank())
            .and_then(|v| v.trimmed().rsplit_once('|').map(|(k, _)| k.trim()))
            .filter(|k| !k.is_empty())
            .map(|k| self.by_row_key(k))
            .transpose()?
            .flatten();
        let by_id = match target.filter(|v| !v.is_blank()) {
            Some(v) => Some(self.by_device_id(v.trimmed())?),
            None => None,
        };
        match (by_key, by_id) {
            (Some(a), Some(b)) if a.key() != b.key() => Err(format!(
                "the Device ID does not match the row's hidden Row Key ({}); undo the edit of column A or delete the row",
                self.describe(&a)
            )),
            (_, Some(s)) | (Some(s), None) => Ok(s),
            (None, None) => Err(
                "no Device ID (a device ID, MODEL:<manufacturer>/<model>, SITE or SITE:<site>)"
                    .into(),
            ),
        }
    }

    /// A subject in words for messages: `DEV-0003`, `MODEL:Baxter/Sigma`, `SITE`.
    pub(super) fn describe(&self, s: &Subject) -> String {
        match s {
            Subject::Device(Slot::Existing(id)) => self
                .short_ids
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("device #{id}")),
            Subject::Device(Slot::New(i)) => self
                .records
                .get(*i)
                .and_then(|r| r.device_id.as_ref())
                .map_or_else(|| "a new device".into(), |v| v.trimmed().to_string()),
            Subject::Scope(t) => t.scope_key().unwrap_or_default(),
        }
    }

    /// The part of a Row Key before `|`: a scope key or a device UUID. `Ok(None)` when the key
    /// names nothing this copy can use (a UUID of another workbook with no inventory row).
    fn by_row_key(&self, key: &str) -> Result<Option<Subject>, String> {
        let lower = key.to_lowercase();
        if lower.starts_with("model:") || lower == "site" || lower.starts_with("site:") {
            return Ok(self.scopes.get(&lower).cloned().map(Subject::Scope));
        }
        if let Some(i) = self.file_uuids.get(&lower) {
            return self.by_record(*i).map(Some);
        }
        if self.own_copy {
            return Ok(self
                .uuids
                .get(&lower)
                .map(|id| Subject::Device(Slot::Existing(*id))));
        }
        Ok(None)
    }

    /// Column A: `MODEL:…`, `SITE…`, or a Device ID.
    fn by_device_id(&self, text: &str) -> Result<Subject, String> {
        let lower = text.to_lowercase();
        if let Some(rest) = strip_prefix_ascii(text, "MODEL:") {
            if let Some(t) = self.scopes.get(&lower) {
                return Ok(Subject::Scope(t.clone()));
            }
            return match rest.split_once('/') {
                Some((m, n)) if !m.trim().is_empty() && !n.trim().is_empty() => {
                    let key = format!("model:{}", model_key(m, n).replace('\u{1f}', "/"));
                    Ok(Subject::Scope(
                        self.scopes
                            .get(&key)
                            .cloned()
                            .unwrap_or_else(|| Target::Model {
                                manufacturer: m.trim().to_string(),
                                model: n.trim().to_string(),
                            }),
                    ))
                }
                _ => Err(format!(
                    "{text:?} is not a model row: write MODEL:<manufacturer>/<model>"
                )),
            };
        }
        let site = if text.eq_ignore_ascii_case("SITE") {
            Some("")
        } else {
            strip_prefix_ascii(text, "SITE:")
        };
        if let Some(site) = site {
            if let Some(t) = self.scopes.get(&lower) {
                return Ok(Subject::Scope(t.clone()));
            }
            let key = if site.trim().is_empty() {
                "site".to_string()
            } else {
                format!("site:{}", site.trim().to_lowercase())
            };
            return Ok(Subject::Scope(
                self.scopes
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| Target::Site(site.trim().to_string())),
            ));
        }
        if let Some(i) = self.file_ids.get(&id_key(text)) {
            return self.by_record(*i);
        }
        if self.own_copy
            && let Some(id) = parse_short_id(text).and_then(|n| self.numbers.get(&n))
        {
            return Ok(Subject::Device(Slot::Existing(*id)));
        }
        Err(if self.own_copy {
            format!("no device {text} in the workbook (see `medsec device list`)")
        } else {
            format!("no device {text} on the file's inventory sheet")
        })
    }

    fn by_record(&self, i: usize) -> Result<Subject, String> {
        let row = self
            .records
            .get(i)
            .and_then(|r| r.origin.as_ref())
            .map_or_else(|| "its inventory row".to_string(), ToString::to_string);
        match self.states.get(i) {
            Some(RecordState::Existing(id)) => Ok(Subject::Device(Slot::Existing(*id))),
            Some(RecordState::New) => Ok(Subject::Device(Slot::New(i))),
            Some(RecordState::Blank) => Err(format!(
                "its device's inventory row ({row}) is blank: fill in at least the device's name there"
            )),
            Some(RecordState::Rejected) | None => {
                Err(format!("its device's inventory row ({row}) is rejected"))
            }
        }
    }
}

/// `text` without `prefix` (compared ignoring ASCII case), if it starts with it.
fn strip_prefix_ascii<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    text.get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .and_then(|_| text.get(prefix.len()..))
}
