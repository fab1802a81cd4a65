//! Devices in the workbook: add, change, find, list, delete (soft). Every change is one undo
//! step.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params_from_iter};

use super::snapshot::RowKey;
use super::undo::Recorder;
use super::{TxError, Workbook, WorkbookError, now_utc};
use crate::device::fields::{self, FieldKind, format_short_id};
use crate::device::{Device, NetworkService, services_text};

/// Who set a field, so that a scan never overwrites what an assessor typed (PRODUCT.md
/// "Devices from several sources").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSource {
    /// Typed by the assessor (CLI or TUI).
    Typed,
    /// From an nmap scan.
    Scan,
    /// From an inventory import.
    Inventory,
    /// From a manufacturer disclosure (`import mds2`): DOC fields and the inventory fields the
    /// MDS2 answers (MPII, CONN, RMOT).
    Mds2,
}

impl FieldSource {
    fn label(self) -> &'static str {
        match self {
            FieldSource::Typed => "typed",
            FieldSource::Scan => "scan",
            FieldSource::Inventory => "inventory",
            FieldSource::Mds2 => "mds2",
        }
    }

    /// The undo label of a batch of `count` device changes from this source, e.g.
    /// `scan import (12 devices)`.
    fn batch_label(self, count: usize) -> String {
        let what = match self {
            FieldSource::Typed => "device edits",
            FieldSource::Scan => "scan import",
            FieldSource::Inventory => "inventory import",
            FieldSource::Mds2 => "mds2 import",
        };
        let plural = if count == 1 { "" } else { "s" };
        format!("{what} ({count} device{plural})")
    }
}

/// A change to one device: field values (canonical text, `""` clears), and optionally its
/// services and extra attributes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceChange {
    /// (field key, canonical value); `""` clears the field.
    pub values: Vec<(&'static str, String)>,
    /// Replaces the device's open ports when `Some`.
    pub services: Option<Vec<NetworkService>>,
    /// Extra attributes (original header, value) merged into the device's (same header replaced).
    pub extra: Vec<(String, String)>,
}

/// The settable field columns, in `FIELDS` order (every field but the computed ones).
fn columns() -> impl Iterator<Item = &'static str> {
    fields::settable_fields().map(|f| f.key)
}

fn select_sql() -> String {
    let cols: Vec<&str> = columns().collect();
    format!(
        "SELECT id, uuid, number, services_json, extra_json, {} FROM device",
        cols.join(", ")
    )
}

fn device_from_row(row: &Row<'_>) -> rusqlite::Result<Device> {
    let services_json: String = row.get(3)?;
    let extra_json: String = row.get(4)?;
    let mut values = BTreeMap::new();
    for (i, key) in columns().enumerate() {
        let v: Option<String> = row.get(5 + i)?;
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            values.insert(key.to_string(), v);
        }
    }
    Ok(Device {
        id: row.get(0)?,
        uuid: row.get(1)?,
        number: row.get(2)?,
        values,
        services: serde_json::from_str(&services_json).unwrap_or_default(),
        extra: serde_json::from_str(&extra_json).unwrap_or_default(),
    })
}

/// Every device not deleted, in short-ID order.
pub(super) fn devices_in(conn: &Connection) -> rusqlite::Result<Vec<Device>> {
    let sql = format!("{} WHERE deleted_at IS NULL ORDER BY number", select_sql());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], device_from_row)?;
    rows.collect()
}

/// One device not deleted, by row ID.
pub(super) fn live_device_in(conn: &Connection, id: i64) -> rusqlite::Result<Option<Device>> {
    let sql = format!("{} WHERE id = ?1 AND deleted_at IS NULL", select_sql());
    conn.prepare_cached(&sql)?
        .query_row([id], device_from_row)
        .optional()
}

/// The short ID of a device by row ID (`device #ID` when there is none), for undo labels.
pub(super) fn short_id_in(conn: &Connection, id: i64) -> rusqlite::Result<String> {
    Ok(conn
        .query_row("SELECT number FROM device WHERE id = ?1", [id], |r| {
            r.get::<_, i64>(0)
        })
        .optional()?
        .map(format_short_id)
        .unwrap_or_else(|| format!("device #{id}")))
}

impl Workbook {
    /// Every device not deleted, in short-ID order.
    pub fn devices(&self) -> Result<Vec<Device>, WorkbookError> {
        devices_in(&self.conn).map_err(|e| self.sql(e))
    }

    /// One device by row ID (deleted ones included).
    pub fn device(&self, id: i64) -> Result<Device, WorkbookError> {
        let sql = format!("{} WHERE id = ?1", select_sql());
        self.conn
            .query_row(&sql, [id], device_from_row)
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => WorkbookError::NoSuchDevice(id.to_string()),
                e => self.sql(e),
            })
    }

    /// Finds a device by its short ID (`DEV-0001`), else by asset tag (case-insensitive).
    ///
    /// Errors: `NoSuchDevice`; `AmbiguousDevice` when an asset tag is on several devices.
    pub fn find_device(&self, reference: &str) -> Result<Device, WorkbookError> {
        let reference = reference.trim();
        if let Some(n) = fields::parse_short_id(reference) {
            let sql = format!("{} WHERE number = ?1 AND deleted_at IS NULL", select_sql());
            if let Ok(d) = self.conn.query_row(&sql, [n], device_from_row) {
                return Ok(d);
            }
        }
        let sql = format!(
            "{} WHERE asset_tag = ?1 COLLATE NOCASE AND deleted_at IS NULL",
            select_sql()
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        let found = stmt
            .query_map([reference], device_from_row)
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        match found.len() {
            0 => Err(WorkbookError::NoSuchDevice(reference.to_string())),
            1 => Ok(found
                .into_iter()
                .next()
                .ok_or_else(|| WorkbookError::NoSuchDevice(reference.to_string()))?),
            count => Err(WorkbookError::AmbiguousDevice {
                reference: reference.to_string(),
                count,
            }),
        }
    }

    /// Adds a device with the next short ID; returns it. Values must be canonical (see
    /// [`fields::FieldDef::normalize`]); unknown or computed keys give `WorkbookError::Invalid`.
    /// One undo step, `add DEV-0012`.
    pub fn add_device(
        &mut self,
        change: &DeviceChange,
        source: FieldSource,
    ) -> Result<Device, WorkbookError> {
        let id = self.recorded(|tx, rec| {
            let id = insert_device(tx, rec, change, source)?;
            Ok((id, format!("add {}", short_id_in(tx, id)?)))
        })?;
        self.device(id)
    }

    /// Applies a change to a device. With `FieldSource::Scan` or `Inventory`, fields an assessor
    /// typed are left alone unless `overwrite_typed` is set. One undo step, `edit DEV-0003`.
    pub fn update_device(
        &mut self,
        id: i64,
        change: &DeviceChange,
        source: FieldSource,
        overwrite_typed: bool,
    ) -> Result<Device, WorkbookError> {
        self.recorded(|tx, rec| {
            update_device_in(tx, rec, id, change, source, overwrite_typed)?;
            Ok(((), format!("edit {}", short_id_in(tx, id)?)))
        })?;
        self.device(id)
    }

    /// Runs several device changes in one transaction: all are applied or none (imports).
    /// `Some(id)` updates that device, `None` adds one. Returns the row IDs in order.
    ///
    /// The whole batch is one undo step labelled by source and count: `scan import (12
    /// devices)`, `inventory import (40 devices)`, `device edits (3 devices)`.
    pub fn apply_device_changes(
        &mut self,
        changes: &[(Option<i64>, DeviceChange)],
        source: FieldSource,
    ) -> Result<Vec<i64>, WorkbookError> {
        self.recorded(|tx, rec| {
            let mut ids = Vec::with_capacity(changes.len());
            for (id, change) in changes {
                let id = match id {
                    Some(id) => {
                        update_device_in(tx, rec, *id, change, source, false)?;
                        *id
                    }
                    None => insert_device(tx, rec, change, source)?,
                };
                ids.push(id);
            }
            Ok((ids, source.batch_label(changes.len())))
        })
    }

    /// Marks a device deleted (it keeps its short ID, which is never reused; its answers stay
    /// and come back with it). One undo step, `delete DEV-0003`.
    pub fn delete_device(&mut self, id: i64) -> Result<(), WorkbookError> {
        self.recorded(|tx, rec| {
            rec.touch(tx, RowKey::Device(id))?;
            tx.execute(
                "UPDATE device SET deleted_at = ?2 WHERE id = ?1",
                rusqlite::params![id, now_utc()],
            )?;
            Ok(((), format!("delete {}", short_id_in(tx, id)?)))
        })
    }

    /// Brings back a deleted device by its short ID (`DEV-0007`), with its answers. One undo
    /// step, `restore DEV-0007`.
    ///
    /// Errors: `NoSuchDevice` when no deleted device has that ID.
    pub fn undelete_device(&mut self, reference: &str) -> Result<Device, WorkbookError> {
        let missing = || WorkbookError::NoSuchDevice(format!("{reference} among deleted devices"));
        let n = fields::parse_short_id(reference).ok_or_else(missing)?;
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM device WHERE number = ?1 AND deleted_at IS NOT NULL",
                [n],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let id = id.ok_or_else(missing)?;
        self.recorded(|tx, rec| {
            rec.touch(tx, RowKey::Device(id))?;
            tx.execute("UPDATE device SET deleted_at = NULL WHERE id = ?1", [id])?;
            Ok(((), format!("restore {}", format_short_id(n))))
        })?;
        self.find_device(reference)
    }

    /// For every device, the fields an assessor typed (imports leave them alone).
    pub fn typed_fields_map(
        &self,
    ) -> Result<std::collections::HashMap<i64, Vec<String>>, WorkbookError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, sources_json FROM device WHERE deleted_at IS NULL")
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| self.sql(e))?;
        let mut out = std::collections::HashMap::new();
        for row in rows {
            let (id, json) = row.map_err(|e| self.sql(e))?;
            let map: BTreeMap<String, String> = serde_json::from_str(&json).unwrap_or_default();
            let typed: Vec<String> = map
                .into_iter()
                .filter(|(_, v)| v == "typed")
                .map(|(k, _)| k)
                .collect();
            if !typed.is_empty() {
                out.insert(id, typed);
            }
        }
        Ok(out)
    }

    /// Which fields of a device were typed by the assessor (not from a scan or import).
    pub fn typed_fields(&self, id: i64) -> Result<Vec<String>, WorkbookError> {
        let json: String = self
            .conn
            .query_row("SELECT sources_json FROM device WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .map_err(|e| self.sql(e))?;
        let map: BTreeMap<String, String> = serde_json::from_str(&json).unwrap_or_default();
        Ok(map
            .into_iter()
            .filter(|(_, v)| v == "typed")
            .map(|(k, _)| k)
            .collect())
    }
}

fn check_keys(change: &DeviceChange) -> Result<(), TxError> {
    for (key, _) in &change.values {
        let def = fields::settable(key).map_err(|e| TxError::Invalid(e.to_string()))?;
        if def.kind == FieldKind::Computed {
            return Err(TxError::Invalid(format!("`{key}` cannot be set")));
        }
    }
    Ok(())
}

pub(super) fn insert_device(
    tx: &Transaction<'_>,
    rec: &mut Recorder,
    change: &DeviceChange,
    source: FieldSource,
) -> Result<i64, TxError> {
    check_keys(change)?;
    // Cached statements: an import inserts one device per host (65,536 for a /16 sweep), and
    // preparing each statement again cost about a tenth of such an import.
    let number: i64 = tx
        .prepare_cached(
            "UPDATE assessment SET next_device_no = next_device_no + 1 WHERE id = 1
             RETURNING next_device_no - 1",
        )?
        .query_row([], |r| r.get(0))?;
    let now = now_utc();
    tx.prepare_cached(
        "INSERT INTO device (uuid, number, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
    )?
    .execute(rusqlite::params![
        uuid::Uuid::new_v4().to_string(),
        number,
        now
    ])?;
    let id = tx.last_insert_rowid();
    rec.created(RowKey::Device(id));
    update_device_in(tx, rec, id, change, source, true)?;
    Ok(id)
}

pub(super) fn update_device_in(
    tx: &Transaction<'_>,
    rec: &mut Recorder,
    id: i64,
    change: &DeviceChange,
    source: FieldSource,
    overwrite_typed: bool,
) -> Result<(), TxError> {
    check_keys(change)?;
    rec.touch(tx, RowKey::Device(id))?;
    let (sources_json, extra_json): (String, String) = tx
        .prepare_cached("SELECT sources_json, extra_json FROM device WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut sources: BTreeMap<String, String> =
        serde_json::from_str(&sources_json).unwrap_or_default();
    let mut sets: Vec<String> = Vec::new();
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    for (key, value) in &change.values {
        let typed = sources.get(*key).is_some_and(|s| s == "typed");
        if typed && source != FieldSource::Typed && !overwrite_typed {
            continue;
        }
        sets.push(format!("{key} = ?{}", args.len() + 1));
        args.push(if value.is_empty() {
            rusqlite::types::Value::Null
        } else {
            rusqlite::types::Value::Text(value.clone())
        });
        if value.is_empty() {
            sources.remove(*key);
        } else {
            sources.insert(key.to_string(), source.label().to_string());
        }
    }
    if let Some(services) = &change.services {
        let json = serde_json::to_string(services).map_err(|e| TxError::Invalid(e.to_string()))?;
        sets.push(format!("services_json = ?{}", args.len() + 1));
        args.push(rusqlite::types::Value::Text(json));
        sets.push(format!("network_services = ?{}", args.len() + 1));
        args.push(rusqlite::types::Value::Text(services_text(services)));
    }
    if !change.extra.is_empty() {
        let mut extra: Vec<(String, String)> =
            serde_json::from_str(&extra_json).unwrap_or_default();
        for (header, value) in &change.extra {
            match extra.iter_mut().find(|(h, _)| h == header) {
                Some(slot) => slot.1 = value.clone(),
                None => extra.push((header.clone(), value.clone())),
            }
        }
        let json = serde_json::to_string(&extra).map_err(|e| TxError::Invalid(e.to_string()))?;
        sets.push(format!("extra_json = ?{}", args.len() + 1));
        args.push(rusqlite::types::Value::Text(json));
    }
    let sources_json =
        serde_json::to_string(&sources).map_err(|e| TxError::Invalid(e.to_string()))?;
    sets.push(format!("sources_json = ?{}", args.len() + 1));
    args.push(rusqlite::types::Value::Text(sources_json));
    sets.push(format!("updated_at = ?{}", args.len() + 1));
    args.push(rusqlite::types::Value::Text(now_utc()));
    args.push(rusqlite::types::Value::Integer(id));
    let sql = format!(
        "UPDATE device SET {} WHERE id = ?{}",
        sets.join(", "),
        args.len()
    );
    // The same columns give the same statement (every host of a scan, every row of a sheet).
    tx.prepare_cached(&sql)?.execute(params_from_iter(args))?;
    Ok(())
}
