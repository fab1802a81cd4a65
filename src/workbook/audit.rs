//! The audit trail: every change to the workbook, appended as one entry of a SHA-256 hash chain
//! (PRODUCT.md "Storage rules"), in the same transaction as the change itself.
//!
//! An entry says who (the session's assessor name, never the operating-system login), when (UTC,
//! whole seconds), what kind of change (`create`, `change`, `undo`, `redo`, `feed`, `findings`,
//! `settings`, `catalog`, `migration`, `merge`, `rekey`), a one-line summary (the undo label) and
//! the field changes it made, each as entity, stable key, field, old → new. Its hash is the
//! SHA-256 of the previous entry's hash and its own content (see [`entry_hash`]); the first entry
//! follows [`GENESIS`]. Editing any byte of any entry, dropping or reordering entries breaks the
//! chain, and [`Workbook::verify_audit`] names the first entry that no longer fits.
//!
//! Keys are stable across copies of a workbook (device UUIDs rather than row IDs), so that
//! `merge` can tell which fields each copy changed after they diverged:
//! - `device:<uuid>`
//! - `answer:<target>:<control>` and `risk:<target>:<control>`, where target is
//!   `device:<uuid>`, `model:<manufacturer U+001F model, lower-cased>` or `site:<site, lower-cased>`
//! - `risk:finding:<device uuid>:<CVE>:<component key>`, `finding:<device uuid>:<CVE>:<component key>`
//! - `attachment:<target>:<control>:<sha256>`, `sbom:<device uuid>:<sha256>`,
//!   `mds2:<target>:<sha256>`, `feed:<kind>:<name>`, `assessment`.
//!
//! Text values longer than [`LONG_VALUE_CHARS`] are kept as `{"sha256": HEX, "chars": N}`.
//! The `changes` column holds one object per row changed — `{entity, key, subject, device?,
//! control?, fields: [[field, old, new], ...]}` — so a row's names are stored once.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::snapshot::Table;
use super::{Workbook, WorkbookError, now_utc, sql};
use crate::device::fields::format_short_id;

/// The hash the first entry follows: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Text values longer than this (characters) are recorded by their SHA-256 and length.
pub const LONG_VALUE_CHARS: usize = 1024;

/// The most rows one entry itemises; a larger change (e.g. a very large import) is recorded with
/// a count of rows per entity instead (field `*`).
pub const AUDIT_ITEMISE_ROWS: usize = 500_000;

/// The most rows one entry itemises: a change of more rows (an import, a bulk answer, a merge)
/// is audited as its own entry holding the first rows, then entries of action [`CONTINUED`]
/// holding the next, in order, in the same transaction — so no entry (and no change's memory)
/// grows with the size of the change.
pub const AUDIT_ENTRY_ROWS: usize = 1_000;

/// The action of an entry that carries on the entry before it (more rows of the same change).
pub const CONTINUED: &str = "continued";

/// Columns local to one file (row IDs) or holding a row's target: never recorded as fields,
/// never compared by `merge`.
pub const LOCAL_COLUMNS: [&str; 6] = [
    "id",
    "device_id",
    "finding_id",
    "target_key",
    "target_kind",
    "target_label",
];

/// Columns not recorded as fields besides [`LOCAL_COLUMNS`]: already in the key (control, the
/// device's UUID), or bookkeeping (`updated_at`: the entry's own time says when).
pub const UNRECORDED_COLUMNS: [&str; 3] = ["control_id", "uuid", "updated_at"];

/// One field changed by one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditChange {
    /// What was changed: `answer`, `risk_entry`, `device`, `attachment`, `sbom`,
    /// `vuln_finding`, `mds2_document`, `feed` or `assessment`.
    pub entity: String,
    /// The row's key, stable across copies of the workbook (see the module documentation).
    pub key: String,
    /// The row as people name it, e.g. `DEV-0003 ENC-01`, `DEV-0003`, `DEV-0003 CVE-2024-1234`.
    pub subject: String,
    /// The UUID of the device the row belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The catalog control the row belongs to, if any (e.g. `ENC-01`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// The column changed (e.g. `response`, `serial_number`); `*` in a summary of an entry too
    /// large to itemise.
    pub field: String,
    /// The value before (`null` = empty text, NULL, or the row did not exist).
    pub old: Value,
    /// The value after (`null` = empty or the row no longer exists).
    pub new: Value,
}

impl AuditChange {
    /// `SUBJECT FIELD: OLD → NEW` for people (values through [`value_text`]); a summary row of
    /// a change too large to itemise reads `ENTITY: N rows changed`. Printable: control
    /// characters and bidirectional overrides are shown as symbols, never sent to a terminal.
    pub fn text(&self) -> String {
        let printable = crate::device::fields::printable;
        if self.field == "*" {
            return format!("{}: {} changed", self.entity, printable(&self.subject));
        }
        format!(
            "{} {}: {} → {}",
            printable(&self.subject),
            self.field,
            value_text(&self.old),
            value_text(&self.new)
        )
    }
}

/// Longest value [`value_text`] shows, in characters.
pub const VALUE_CHARS: usize = 60;

/// A recorded value for people: `(empty)`, a number, or the text in quotes shortened to
/// [`VALUE_CHARS`] characters; long text kept by hash shows its length and hash prefix.
/// Printable (see [`AuditChange::text`]).
pub fn value_text(v: &Value) -> String {
    let printable = crate::device::fields::printable;
    match v {
        Value::Null => "(empty)".to_string(),
        Value::String(s) if s.is_empty() => "(empty)".to_string(),
        Value::String(s) => format!("\"{}\"", clipped(s, VALUE_CHARS)),
        Value::Object(o) if o.contains_key("sha256") => format!(
            "({} characters, SHA-256 {}…)",
            o.get("chars").and_then(Value::as_u64).unwrap_or(0),
            o.get("sha256")
                .and_then(Value::as_str)
                .map(|h| h.chars().take(12).collect::<String>())
                .unwrap_or_default()
        ),
        other => printable(&other.to_string()),
    }
}

/// `text` made printable (see [`AuditChange::text`]) and clipped to `max` characters, the last
/// one `…` when it was longer.
pub fn clipped(text: &str, max: usize) -> String {
    let shown = crate::device::fields::printable(text);
    if shown.chars().count() <= max {
        return shown;
    }
    let mut cut: String = shown.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// The entry's UUID: the same entry in copies and merged workbooks has the same one.
    pub entry_id: String,
    /// When (RFC 3339 UTC, whole seconds).
    pub at: String,
    /// Who: the assessor name of the session that made the change.
    pub actor: String,
    /// The kind of change (`create`, `change`, `undo`, `redo`, `feed`, `findings`, `settings`,
    /// `catalog`, `migration`, `merge`, `rekey`).
    pub action: String,
    /// One line, e.g. `answer DEV-0003 ENC-01 Yes`.
    pub summary: String,
    /// The fields changed.
    pub changes: Vec<AuditChange>,
    /// The workbook ID of the copy the entry was first made in.
    pub origin: String,
    /// The previous entry's hash ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// SHA-256 of this entry (64 lower-case hex digits), see [`entry_hash`].
    pub hash: String,
}

/// The head of the chain: its length and last hash.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditHead {
    /// Number of entries.
    pub length: i64,
    /// The last entry's hash ([`GENESIS`] when there is none).
    pub hash: String,
}

/// What is wrong with one entry of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditProblem {
    /// The entry's position (`seq`).
    pub seq: i64,
    /// When the entry says it was made, and its summary, to name it.
    pub at: String,
    /// Its summary.
    pub summary: String,
    /// What does not fit, e.g. "its content does not match its hash".
    pub reason: String,
}

impl std::fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "audit entry {} ({} {}): {}",
            self.seq, self.at, self.summary, self.reason
        )
    }
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditCheck {
    /// Entries read.
    pub entries: i64,
    /// The head as stored.
    pub head: AuditHead,
    /// Every entry that does not fit (empty = the chain is whole).
    pub problems: Vec<AuditProblem>,
}

/// Which entries [`Workbook::audit_entries`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only entries changing a row of this device (its UUID).
    pub device: Option<String>,
    /// Only entries changing a row of this control (catalog ID).
    pub control: Option<String>,
}

impl AuditFilter {
    /// Whether `change` is one this filter asks about (an entry is listed when any of its
    /// changes is).
    pub fn selects(&self, change: &AuditChange) -> bool {
        self.device
            .as_ref()
            .is_none_or(|d| change.device.as_ref() == Some(d))
            && self.control.as_ref().is_none_or(|k| {
                change
                    .control
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(k))
            })
    }
}

/// The SHA-256 (hex) of an entry: a fixed tag, then each part as its length in bytes (u64 little
/// endian) and its UTF-8 bytes, in this order: previous hash, seq (decimal), entry ID, at, actor,
/// action, summary, changes (the stored JSON text), origin.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    entry_id: &str,
    at: &str,
    actor: &str,
    action: &str,
    summary: &str,
    changes_json: &str,
    origin: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"medsec audit v1\n");
    let seq = seq.to_string();
    for part in [
        prev_hash,
        seq.as_str(),
        entry_id,
        at,
        actor,
        action,
        summary,
        changes_json,
        origin,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// What one new entry says, before it is chained.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewEntry {
    pub entry_id: Option<String>,
    pub at: Option<String>,
    pub actor: String,
    pub action: String,
    pub summary: String,
    pub changes: Vec<AuditChange>,
    pub origin: String,
}

/// Appends `entry` to the chain inside `tx`; returns its seq. A new UUID and the current time
/// are used unless the entry carries its own (entries brought in by a merge keep theirs).
pub(crate) fn append(tx: &Connection, entry: NewEntry) -> rusqlite::Result<i64> {
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let entry_id = entry
        .entry_id
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let at = entry.at.unwrap_or_else(now_utc);
    let changes = serde_json::to_string(&stored_rows(&entry.changes))
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let hash = entry_hash(
        &prev,
        seq,
        &entry_id,
        &at,
        &entry.actor,
        &entry.action,
        &entry.summary,
        &changes,
        &entry.origin,
    );
    tx.prepare_cached(
        "INSERT INTO audit_entry
             (seq, entry_id, at, actor, action, summary, changes, origin, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        seq,
        entry_id,
        at,
        entry.actor,
        entry.action,
        entry.summary,
        changes,
        entry.origin,
        prev,
        hash
    ])?;
    Ok(seq)
}

/// The changes of one row as stored: the row named once, then `[field, old, new]` per field
/// (the stored `changes` column is a JSON array of these; [`AuditChange`]s are its flat form).
#[derive(Debug, Serialize, Deserialize)]
struct StoredRow {
    entity: String,
    key: String,
    subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    control: Option<String>,
    fields: Vec<(String, Value, Value)>,
}

/// Groups consecutive changes of one row.
fn stored_rows(changes: &[AuditChange]) -> Vec<StoredRow> {
    let mut rows: Vec<StoredRow> = Vec::new();
    for c in changes {
        let field = (c.field.clone(), c.old.clone(), c.new.clone());
        match rows.last_mut() {
            Some(r)
                if r.entity == c.entity
                    && r.key == c.key
                    && r.subject == c.subject
                    && r.device == c.device
                    && r.control == c.control =>
            {
                r.fields.push(field)
            }
            _ => rows.push(StoredRow {
                entity: c.entity.clone(),
                key: c.key.clone(),
                subject: c.subject.clone(),
                device: c.device.clone(),
                control: c.control.clone(),
                fields: vec![field],
            }),
        }
    }
    rows
}

/// The flat changes of a stored `changes` text; `None` when it does not read.
fn read_changes(text: &str) -> Option<Vec<AuditChange>> {
    let rows: Vec<StoredRow> = serde_json::from_str(text).ok()?;
    let mut out = Vec::new();
    for r in rows {
        for (field, old, new) in r.fields {
            out.push(AuditChange {
                entity: r.entity.clone(),
                key: r.key.clone(),
                subject: r.subject.clone(),
                device: r.device.clone(),
                control: r.control.clone(),
                field,
                old,
                new,
            });
        }
    }
    Some(out)
}

/// A value as the trail keeps it: long text by its hash and length.
pub(super) fn audit_value(v: Option<&Value>) -> Value {
    match v {
        None => Value::Null,
        Some(Value::String(s)) if s.chars().count() > LONG_VALUE_CHARS => {
            let mut o = Map::new();
            o.insert(
                "sha256".into(),
                Value::String(hex::encode(Sha256::digest(s.as_bytes()))),
            );
            o.insert("chars".into(), Value::from(s.chars().count()));
            Value::Object(o)
        }
        Some(v) => v.clone(),
    }
}

/// Turns rows a change touched into field changes (keys, subjects and the devices' UUIDs looked
/// up in `conn`, which sees the state after the change).
#[derive(Default)]
pub(super) struct Differ {
    devices: HashMap<i64, Option<(String, String)>>,
    findings: HashMap<i64, Option<(String, String, String, i64)>>,
}

impl Differ {
    /// (UUID, short ID) of a device row.
    fn device(&mut self, conn: &Connection, id: i64) -> rusqlite::Result<Option<(String, String)>> {
        if let Some(known) = self.devices.get(&id) {
            return Ok(known.clone());
        }
        let found = conn
            .prepare_cached("SELECT uuid, number FROM device WHERE id = ?1")?
            .query_row([id], |r| {
                Ok((r.get::<_, String>(0)?, format_short_id(r.get(1)?)))
            })
            .optional()?;
        self.devices.insert(id, found.clone());
        Ok(found)
    }

    /// (CVE, component key, component, device row ID) of a finding row.
    fn finding(
        &mut self,
        conn: &Connection,
        id: i64,
    ) -> rusqlite::Result<Option<(String, String, String, i64)>> {
        if let Some(known) = self.findings.get(&id) {
            return Ok(known.clone());
        }
        let found = conn
            .prepare_cached(
                "SELECT cve, component_key, component, device_id FROM vuln_finding WHERE id = ?1",
            )?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        self.findings.insert(id, found.clone());
        Ok(found)
    }

    /// The target of a keyed row: (key part, subject part, device UUID).
    fn target(
        &mut self,
        conn: &Connection,
        row: &Map<String, Value>,
    ) -> rusqlite::Result<(String, String, Option<String>)> {
        let text = |c: &str| row.get(c).and_then(Value::as_str).unwrap_or("").to_string();
        let kind = text("target_kind");
        let key = text("target_key");
        Ok(match kind.as_str() {
            "device" => {
                let id = row
                    .get("device_id")
                    .and_then(Value::as_i64)
                    .or_else(|| key.parse().ok())
                    .unwrap_or(0);
                match self.device(conn, id)? {
                    Some((uuid, short)) => (format!("device:{uuid}"), short, Some(uuid)),
                    None => (format!("device:#{id}"), format!("device #{id}"), None),
                }
            }
            "model" => {
                let label = text("target_label").replace('\u{1f}', " ");
                let shown = if label.trim().is_empty() {
                    key.replace('\u{1f}', " ")
                } else {
                    label
                };
                (
                    format!("model:{key}"),
                    format!("model {}", shown.trim()),
                    None,
                )
            }
            _ => {
                let label = text("target_label");
                let shown = if key.is_empty() {
                    "default site".to_string()
                } else {
                    format!("site {}", if label.is_empty() { &key } else { &label })
                };
                (format!("site:{key}"), shown, None)
            }
        })
    }

    /// Entity key, subject, device UUID and control of a row of `table`.
    pub(super) fn identify(
        &mut self,
        conn: &Connection,
        table: Table,
        row: &Map<String, Value>,
    ) -> rusqlite::Result<(String, String, Option<String>, Option<String>)> {
        let text = |c: &str| row.get(c).and_then(Value::as_str).unwrap_or("").to_string();
        let int = |c: &str| row.get(c).and_then(Value::as_i64);
        let control = row
            .get("control_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok(match table {
            Table::Device => {
                let uuid = text("uuid");
                let short = int("number").map(format_short_id).unwrap_or_default();
                (format!("device:{uuid}"), short, Some(uuid), None)
            }
            Table::Answer | Table::RiskEntry => {
                if let Some(fid) = int("finding_id") {
                    let (cve, ckey, component, dev) = self.finding(conn, fid)?.unwrap_or_default();
                    let (uuid, short) = self.device(conn, dev)?.unwrap_or_default();
                    let on = if component.is_empty() {
                        String::new()
                    } else {
                        format!(" ({component})")
                    };
                    return Ok((
                        format!("risk:finding:{uuid}:{cve}:{ckey}"),
                        format!("{short} {cve}{on} risk entry"),
                        Some(uuid),
                        control,
                    ));
                }
                let (target, subject, uuid) = self.target(conn, row)?;
                let (kind, what) = if table == Table::Answer {
                    ("answer", "")
                } else {
                    ("risk", " risk entry")
                };
                let ctl = control.clone().unwrap_or_default();
                (
                    format!("{kind}:{target}:{ctl}"),
                    format!("{subject} {ctl}{what}"),
                    uuid,
                    control,
                )
            }
            Table::Attachment => {
                let (target, subject, uuid) = self.target(conn, row)?;
                let ctl = control.clone().unwrap_or_default();
                (
                    format!("attachment:{target}:{ctl}:{}", text("sha256")),
                    format!("{subject} {ctl} {}", text("file_name")),
                    uuid,
                    control,
                )
            }
            Table::Mds2Document => {
                let (target, subject, uuid) = self.target(conn, row)?;
                (
                    format!("mds2:{target}:{}", text("sha256")),
                    format!("{subject} MDS2 {}", text("file_name")),
                    uuid,
                    None,
                )
            }
            Table::Sbom => {
                let (uuid, short) = self
                    .device(conn, int("device_id").unwrap_or(0))?
                    .unwrap_or_default();
                (
                    format!("sbom:{uuid}:{}", text("sha256")),
                    format!("{short} SBOM {}", text("file_name")),
                    Some(uuid),
                    None,
                )
            }
            Table::VulnFinding => {
                let (uuid, short) = self
                    .device(conn, int("device_id").unwrap_or(0))?
                    .unwrap_or_default();
                let cve = text("cve");
                let component = text("component");
                let on = if component.is_empty() {
                    String::new()
                } else {
                    format!(" ({component})")
                };
                (
                    format!("finding:{uuid}:{cve}:{}", text("component_key")),
                    format!("{short} {cve}{on}"),
                    Some(uuid),
                    Some(finding_control(row)),
                )
            }
        })
    }

    /// The field changes between `before` and `after` (JSON objects of column values; `None` =
    /// the row did not exist), appended to `out`.
    pub(super) fn diff(
        &mut self,
        conn: &Connection,
        table: Table,
        before: Option<&str>,
        after: Option<&str>,
        out: &mut Vec<AuditChange>,
    ) -> rusqlite::Result<()> {
        let parse = |j: Option<&str>| -> Option<Map<String, Value>> {
            match j.map(serde_json::from_str::<Value>) {
                Some(Ok(Value::Object(m))) => Some(m),
                _ => None,
            }
        };
        self.diff_rows(
            conn,
            table,
            parse(before).as_ref(),
            parse(after).as_ref(),
            out,
        )
    }

    /// [`Differ::diff`] of rows already read as column → value maps (what
    /// `snapshot::read_row_map` gives; `None` = the row does not exist).
    ///
    /// Errors: reading the names of the row's device or control.
    pub(super) fn diff_rows(
        &mut self,
        conn: &Connection,
        table: Table,
        before: Option<&Map<String, Value>>,
        after: Option<&Map<String, Value>>,
        out: &mut Vec<AuditChange>,
    ) -> rusqlite::Result<()> {
        let Some(named) = after.or(before) else {
            return Ok(());
        };
        let (key, subject, device, control) = self.identify(conn, table, named)?;
        let empty = Map::new();
        let b = before.unwrap_or(&empty);
        let a = after.unwrap_or(&empty);
        let mut fields: Vec<&String> = a.keys().collect();
        fields.extend(b.keys().filter(|k| !a.contains_key(*k)));
        for field in fields {
            if LOCAL_COLUMNS.contains(&field.as_str())
                || UNRECORDED_COLUMNS.contains(&field.as_str())
            {
                continue;
            }
            // Empty text and NULL are both "empty".
            let blank = |v: &&Value| !v.is_null() && v.as_str() != Some("");
            let old = b.get(field).filter(blank);
            let new = a.get(field).filter(blank);
            if old == new {
                continue;
            }
            out.push(AuditChange {
                entity: table.name().to_string(),
                key: key.clone(),
                subject: subject.clone(),
                device: device.clone(),
                control: control.clone(),
                field: field.clone(),
                old: audit_value(old),
                new: audit_value(new),
            });
        }
        Ok(())
    }
}

/// `VULN-02` for a KEV-listed finding row (its stored match names a KEV entry), else `VULN-01`.
fn finding_control(row: &Map<String, Value>) -> String {
    let kev = row
        .get("match_json")
        .and_then(Value::as_str)
        .and_then(|j| serde_json::from_str::<Value>(j).ok())
        .is_some_and(|m| m.get("kev").is_some_and(|k| !k.is_null()));
    if kev { "VULN-02" } else { "VULN-01" }.to_string()
}

/// A summary of a change too large to itemise: one line per entity with the number of rows.
pub(super) fn summary_changes(counts: &HashMap<Table, usize>) -> Vec<AuditChange> {
    let mut tables: Vec<_> = counts.iter().collect();
    tables.sort_by_key(|(t, _)| t.name());
    tables
        .into_iter()
        .map(|(t, n)| AuditChange {
            entity: t.name().to_string(),
            key: String::new(),
            subject: format!("{n} rows"),
            device: None,
            control: None,
            field: "*".to_string(),
            old: Value::Null,
            new: Value::from(*n),
        })
        .collect()
}

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(AuditEntry, String)> {
    let changes_json: String = r.get(6)?;
    let changes = read_changes(&changes_json).unwrap_or_default();
    Ok((
        AuditEntry {
            seq: r.get(0)?,
            entry_id: r.get(1)?,
            at: r.get(2)?,
            actor: r.get(3)?,
            action: r.get(4)?,
            summary: r.get(5)?,
            changes,
            origin: r.get(7)?,
            prev_hash: r.get(8)?,
            hash: r.get(9)?,
        },
        changes_json,
    ))
}

const ENTRY_COLUMNS: &str =
    "seq, entry_id, at, actor, action, summary, changes, origin, prev_hash, hash";

/// The head of the chain in `conn`.
pub(crate) fn head_in(conn: &Connection) -> rusqlite::Result<AuditHead> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let length: i64 = conn.query_row("SELECT count(*) FROM audit_entry", [], |r| r.get(0))?;
    Ok(AuditHead {
        length,
        hash: last.map(|(_, h)| h).unwrap_or_else(|| GENESIS.to_string()),
    })
}

/// Checks the chain in `conn`: seq from 1 without gaps, each entry's previous hash is the one
/// before it, each hash matches its content and the changes are readable JSON.
pub(crate) fn check_in(conn: &Connection) -> rusqlite::Result<AuditCheck> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_entry ORDER BY seq"
    ))?;
    let mut rows = stmt.query([])?;
    let mut check = AuditCheck::default();
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1;
    while let Some(r) = rows.next()? {
        let (e, changes_json) = entry_from_row(r)?;
        check.entries += 1;
        let mut fail = |reason: String| {
            check.problems.push(AuditProblem {
                seq: e.seq,
                at: e.at.clone(),
                summary: e.summary.clone(),
                reason,
            })
        };
        if e.seq != expected_seq {
            fail(format!(
                "expected entry {expected_seq} here: entries are missing or out of order"
            ));
        }
        if e.prev_hash != prev {
            fail("it does not follow the entry before it (previous hash differs)".into());
        }
        let computed = entry_hash(
            &e.prev_hash,
            e.seq,
            &e.entry_id,
            &e.at,
            &e.actor,
            &e.action,
            &e.summary,
            &changes_json,
            &e.origin,
        );
        if computed != e.hash {
            fail("its content does not match its hash (the entry was altered)".into());
        } else if read_changes(&changes_json).is_none() {
            fail("its changes do not read".into());
        }
        prev = e.hash.clone();
        expected_seq = e.seq + 1;
    }
    check.head = head_in(conn)?;
    Ok(check)
}

impl Workbook {
    /// The audit trail's head: its length and last hash (shown on the export's Cover, in the
    /// report and in `_medsec`; `verify --expect HASH` compares with it).
    ///
    /// Errors: `Sqlite`.
    pub fn audit_head(&self) -> Result<AuditHead, WorkbookError> {
        head_in(&self.conn).map_err(|e| self.sql(e))
    }

    /// The audit entries that `filter` selects, oldest first.
    ///
    /// Errors: `Sqlite`.
    pub fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, WorkbookError> {
        let mut sql = format!("SELECT {ENTRY_COLUMNS} FROM audit_entry");
        // One change must match every condition (not one change each).
        let mut conds = Vec::new();
        let mut args: Vec<String> = Vec::new();
        if let Some(device) = &filter.device {
            args.push(device.clone());
            conds.push(format!(
                "json_extract(c.value, '$.device') = ?{}",
                args.len()
            ));
        }
        if let Some(control) = &filter.control {
            args.push(control.to_uppercase());
            conds.push(format!(
                "json_extract(c.value, '$.control') = ?{}",
                args.len()
            ));
        }
        if !conds.is_empty() {
            sql.push_str(&format!(
                " WHERE json_valid(changes) AND EXISTS
                     (SELECT 1 FROM json_each(audit_entry.changes) c WHERE {})",
                conds.join(" AND ")
            ));
        }
        sql.push_str(" ORDER BY seq");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        stmt.query_map(rusqlite::params_from_iter(args), entry_from_row)
            .and_then(|rows| rows.map(|r| r.map(|(e, _)| e)).collect())
            .map_err(|e| self.sql(e))
    }

    /// The UUID and short ID of the device `reference` names (a short ID, else an asset tag, as
    /// [`Workbook::find_device`]), a deleted device too when named by its short ID: its history
    /// stays readable.
    ///
    /// Errors: `NoSuchDevice`, `AmbiguousDevice`, `Sqlite`.
    pub fn audit_device(&self, reference: &str) -> Result<(String, String), WorkbookError> {
        match self.find_device(reference) {
            Ok(d) => Ok((d.uuid.clone(), d.short_id())),
            Err(WorkbookError::NoSuchDevice(r)) => {
                let Some(n) = crate::device::fields::parse_short_id(reference.trim()) else {
                    return Err(WorkbookError::NoSuchDevice(r));
                };
                self.conn
                    .query_row("SELECT uuid FROM device WHERE number = ?1", [n], |r| {
                        r.get::<_, String>(0)
                    })
                    .optional()
                    .map_err(|e| self.sql(e))?
                    .map(|uuid| (uuid, format_short_id(n)))
                    .ok_or(WorkbookError::NoSuchDevice(r))
            }
            Err(e) => Err(e),
        }
    }

    /// Checks the audit chain: every problem found, the number of entries and the head.
    ///
    /// Errors: `Sqlite` (a file too damaged to read the table).
    pub fn verify_audit(&self) -> Result<AuditCheck, WorkbookError> {
        check_in(&self.conn).map_err(|e| self.sql(e))
    }

    /// The name this session writes on answers, evidence and audit entries: the workbook's
    /// assessor unless [`Workbook::set_actor`] gave another.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Sets the name this session's changes are recorded under (e.g. from `MEDSEC_ASSESSOR` or
    /// the config file, so that two assessors working on copies of one workbook stay apart).
    /// Blank keeps the workbook's assessor. Control characters are removed.
    pub fn set_actor(&mut self, name: &str) {
        let clean = crate::device::fields::clean_text(name).trim().to_string();
        self.actor = if clean.is_empty() {
            self.meta.assessor.clone()
        } else {
            clean
        };
    }

    /// Appends one entry for a change made outside [`Workbook::recorded`] (feeds, settings,
    /// rekey), in its own transaction.
    ///
    /// Errors: `Sqlite`.
    pub(crate) fn audit_event(
        &mut self,
        action: &str,
        summary: &str,
        changes: Vec<AuditChange>,
    ) -> Result<(), WorkbookError> {
        let path = self.path.clone();
        let entry = self.new_entry(action, summary, changes);
        let tx = self.conn.transaction().map_err(|e| sql(&path, e))?;
        append(&tx, entry).map_err(|e| sql(&path, e))?;
        tx.commit().map_err(|e| sql(&path, e))
    }

    /// An entry by this session's actor in this workbook.
    pub(crate) fn new_entry(
        &self,
        action: &str,
        summary: &str,
        changes: Vec<AuditChange>,
    ) -> NewEntry {
        NewEntry {
            entry_id: None,
            at: None,
            actor: self.actor.clone(),
            action: action.to_string(),
            summary: super::undo::clip_label(summary),
            changes,
            origin: self.meta.workbook_id.clone(),
        }
    }
}

/// A field change of the workbook itself (settings, feeds): entity `assessment` or `feed`.
pub(crate) fn setting_change(
    entity: &str,
    key: &str,
    field: &str,
    old: Value,
    new: Value,
) -> AuditChange {
    AuditChange {
        entity: entity.to_string(),
        key: key.to_string(),
        subject: key.to_string(),
        device: None,
        control: None,
        field: field.to_string(),
        old: audit_value(Some(&old)),
        new: audit_value(Some(&new)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::assessment::{Response, Target};
    use crate::catalog::catalog;
    use crate::workbook::{
        AnswerInput, AssessmentMeta, DeviceChange, FieldSource, Passphrase, schema,
    };

    const PASS: &str = "correct horse battery staple";

    fn workbook(dir: &std::path::Path) -> Workbook {
        Workbook::create(
            &dir.join("w.medsec"),
            &Passphrase::new(PASS.into()),
            AssessmentMeta {
                assessor: "A. Assessor".into(),
                title: "Audit".into(),
                ..AssessmentMeta::default()
            },
        )
        .unwrap()
    }

    fn add(wb: &mut Workbook, name: &str) -> crate::device::Device {
        let change = DeviceChange {
            values: vec![("name", name.to_string()), ("serial_number", "SN-1".into())],
            ..DeviceChange::default()
        };
        wb.add_device(&change, FieldSource::Typed).unwrap()
    }

    fn answer(wb: &mut Workbook, id: i64, control: &str, r: Response) {
        let c = catalog().control(control).unwrap();
        let input = AnswerInput {
            response: Some(Some(r)),
            ..AnswerInput::default()
        };
        wb.set_answer(&Target::Device(id), c, &input).unwrap();
    }

    fn field<'a>(e: &'a AuditEntry, name: &str) -> Option<&'a AuditChange> {
        e.changes.iter().find(|c| c.field == name)
    }

    #[test]
    fn every_change_is_chained_with_who_when_and_what() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path());
        let d = add(&mut wb, "Infusion pump 3");
        answer(&mut wb, d.id, "ENC-01", Response::No);
        wb.set_actor("Dana Ruiz");
        answer(&mut wb, d.id, "ENC-01", Response::Yes);
        let all = wb.audit_entries(&AuditFilter::default()).unwrap();
        let actions: Vec<&str> = all.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["create", "change", "change", "change"]);
        assert_eq!(all[0].prev_hash, GENESIS);
        for pair in all.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash);
            assert_eq!(pair[1].seq, pair[0].seq + 1);
        }
        let last = &all[3];
        assert_eq!(last.actor, "Dana Ruiz");
        assert_eq!(all[2].actor, "A. Assessor");
        assert_eq!(last.summary, "answer DEV-0001 ENC-01 Yes");
        let r = field(last, "response").unwrap();
        assert_eq!((r.old.clone(), r.new.clone()), ("No".into(), "Yes".into()));
        assert_eq!(r.key, format!("answer:device:{}:ENC-01", d.uuid));
        assert_eq!(r.device.as_deref(), Some(d.uuid.as_str()));
        assert_eq!(r.control.as_deref(), Some("ENC-01"));
        // The answer says who answered, too.
        let by = field(last, "assessed_by").unwrap();
        assert_eq!(by.new, Value::from("Dana Ruiz"));
        // Row IDs and bookkeeping are not recorded.
        assert!(
            last.changes
                .iter()
                .all(|c| c.field != "id" && c.field != "updated_at")
        );
        let head = wb.audit_head().unwrap();
        assert_eq!((head.length, head.hash.as_str()), (4, last.hash.as_str()));
        let check = wb.verify_audit().unwrap();
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        assert_eq!(check.entries, 4);
        // Filters: by device and control.
        let f = AuditFilter {
            device: Some(d.uuid.clone()),
            control: Some("enc-01".into()),
        };
        assert_eq!(wb.audit_entries(&f).unwrap().len(), 2);
        let other = AuditFilter {
            control: Some("ENC-02".into()),
            ..AuditFilter::default()
        };
        assert!(wb.audit_entries(&other).unwrap().is_empty());
        // One change must match both: device 1's ENC-01 and device 2's ENC-02 in one entry do
        // not make it an entry of device 1's ENC-02.
        let d2 = add(&mut wb, "Monitor");
        let (c1, c2) = (
            catalog().control("ENC-01").unwrap(),
            catalog().control("ENC-02").unwrap(),
        );
        let yes = AnswerInput {
            response: Some(Some(Response::Partial)),
            ..AnswerInput::default()
        };
        wb.set_answers(
            &[
                (Target::Device(d.id), c1, yes.clone()),
                (Target::Device(d2.id), c2, yes),
            ],
            "two answers",
        )
        .unwrap();
        let crossed = AuditFilter {
            device: Some(d.uuid.clone()),
            control: Some("ENC-02".into()),
        };
        assert!(wb.audit_entries(&crossed).unwrap().is_empty());
        assert_eq!(wb.audit_entries(&f).unwrap().len(), 3);
    }

    #[test]
    fn undo_and_redo_are_audited_changes() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path());
        let d = add(&mut wb, "Monitor");
        answer(&mut wb, d.id, "ENC-01", Response::Partial);
        wb.undo().unwrap();
        wb.redo().unwrap();
        let all = wb.audit_entries(&AuditFilter::default()).unwrap();
        let undo = &all[all.len() - 2];
        assert_eq!(undo.action, "undo");
        assert_eq!(undo.summary, "undo: answer DEV-0001 ENC-01 Partial");
        let r = field(undo, "response").unwrap();
        assert_eq!(
            (r.old.clone(), r.new.clone()),
            ("Partial".into(), Value::Null)
        );
        let redo = &all[all.len() - 1];
        assert_eq!(redo.action, "redo");
        assert_eq!(field(redo, "response").unwrap().new, Value::from("Partial"));
        assert!(wb.verify_audit().unwrap().problems.is_empty());
    }

    #[test]
    fn an_altered_byte_breaks_the_chain_at_that_entry() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path());
        let d = add(&mut wb, "Pump");
        answer(&mut wb, d.id, "ENC-01", Response::No);
        answer(&mut wb, d.id, "ENC-02", Response::No);
        wb.conn
            .execute(
                "UPDATE audit_entry SET changes = replace(changes, '\"No\"', '\"Yes\"')
                 WHERE seq = 3",
                [],
            )
            .unwrap();
        let check = wb.verify_audit().unwrap();
        assert_eq!(check.problems.len(), 1, "{:?}", check.problems);
        let p = &check.problems[0];
        assert_eq!(p.seq, 3);
        assert!(p.to_string().starts_with("audit entry 3 ("), "{p}");
        assert!(p.to_string().contains("answer DEV-0001 ENC-01 No"), "{p}");
        assert!(p.reason.contains("altered"), "{p}");
        // A removed entry is caught too, at the entry after the gap.
        wb.conn
            .execute("DELETE FROM audit_entry WHERE seq = 2", [])
            .unwrap();
        let check = wb.verify_audit().unwrap();
        assert!(
            check
                .problems
                .iter()
                .any(|p| p.seq == 3 && p.reason.contains("missing"))
        );
    }

    #[test]
    fn an_upgraded_workbook_starts_its_chain_with_a_migration_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.medsec");
        drop(workbook(dir.path()));
        std::fs::rename(dir.path().join("w.medsec"), &path).unwrap();
        {
            // Back to version 5: no audit table (as a workbook of the previous release).
            let wb = Workbook::open(
                &path,
                &Passphrase::new(PASS.into()),
                crate::workbook::Access::Write,
            )
            .unwrap();
            wb.conn
                .execute_batch("DROP TABLE audit_entry; PRAGMA user_version = 5;")
                .unwrap();
        }
        let wb = Workbook::open(
            &path,
            &Passphrase::new(PASS.into()),
            crate::workbook::Access::Write,
        )
        .unwrap();
        let all = wb.audit_entries(&AuditFilter::default()).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].action, "migration");
        assert!(
            all[0]
                .summary
                .contains(&format!("schema 5 to {}", schema::SCHEMA_VERSION))
        );
        assert!(wb.verify_audit().unwrap().problems.is_empty());
    }

    #[test]
    fn the_hash_covers_every_part_and_their_boundaries() {
        let base = entry_hash(GENESIS, 1, "id", "t", "a", "change", "s", "[]", "w");
        assert_eq!(base.len(), 64);
        assert_ne!(
            base,
            entry_hash(GENESIS, 2, "id", "t", "a", "change", "s", "[]", "w")
        );
        assert_ne!(
            base,
            entry_hash(GENESIS, 1, "id", "t", "a", "changes", "", "[]", "w")
        );
        assert_ne!(
            base,
            entry_hash(GENESIS, 1, "id", "t", "b", "change", "s", "[]", "w")
        );
    }

    #[test]
    fn long_values_are_kept_by_hash() {
        let v = audit_value(Some(&Value::String("x".repeat(LONG_VALUE_CHARS + 1))));
        assert_eq!(v["chars"], Value::from(LONG_VALUE_CHARS + 1));
        assert_eq!(v["sha256"].as_str().map(str::len), Some(64));
        assert_eq!(
            audit_value(Some(&Value::from("short"))),
            Value::from("short")
        );
    }
}
