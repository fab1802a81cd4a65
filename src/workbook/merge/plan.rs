//! Deciding every difference between ours and theirs (see the module doc of `merge`).

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;
use serde_json::Value;

use super::super::audit::{AuditFilter, Differ};
use super::super::snapshot::Table;
use super::super::{Workbook, WorkbookError};
use super::devices::{MatchedBy, match_devices};
use super::history::{History, SideChanges};
use super::rows::{Row, TABLES, follower, ignored, read_table, same, text, value};
use super::{
    AddedDevice, AddedRow, Columns, DeviceMatch, FeedTaken, FieldDiff, MergePlan, SideValue, entity,
};
use crate::device::fields::format_short_id;

/// What to do with one row.
#[derive(Debug, Clone)]
pub(super) struct RowWork {
    /// `None` = the assessment's settings.
    pub table: Option<Table>,
    pub ours: Option<Columns>,
    pub theirs: Option<Columns>,
    pub kind: WorkKind,
    /// Columns taken from theirs.
    pub take: Vec<String>,
    /// Columns in conflict, with their index in [`MergePlan::conflicts`].
    pub conflicts: Vec<(String, usize)>,
    /// The row ID an inserted risk entry gets in ours (its Risk ID), chosen by the plan so that
    /// the report can name it.
    pub new_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WorkKind {
    /// Both have the row: update ours' columns.
    Update,
    /// Only theirs has it: insert it (always, or when any conflict is resolved for theirs).
    Insert { always: bool },
    /// Theirs removed it: delete ours (always, or when every conflict is resolved for theirs).
    Delete { always: bool },
}

/// The settings that merge like fields (`assessment` columns).
pub(super) const SETTINGS: [&str; 2] = ["risk_grid", "attachment_limit"];

fn settings(conn: &Connection) -> rusqlite::Result<Columns> {
    conn.query_row(
        "SELECT risk_grid, attachment_limit FROM assessment WHERE id = 1",
        [],
        |r| {
            let mut m = Columns::new();
            m.insert("risk_grid".into(), Value::from(r.get::<_, String>(0)?));
            m.insert(
                "attachment_limit".into(),
                r.get::<_, Option<i64>>(1)?.map_or(Value::Null, Value::from),
            );
            Ok(m)
        },
    )
}

/// (kind, name) -> feed date of every stored feed document.
fn feed_dates(conn: &Connection) -> rusqlite::Result<HashMap<(String, String), String>> {
    let mut stmt = conn.prepare("SELECT kind, name, feed_date FROM feed ORDER BY kind, name")?;
    stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?
        .collect()
}

struct Planner<'a> {
    history: &'a History,
    plan: MergePlan,
}

impl Planner<'_> {
    fn side_value(
        &self,
        side: &SideChanges,
        table: Option<Table>,
        row: Option<&Columns>,
        key: &str,
        column: &str,
    ) -> SideValue {
        let v = row.map(|r| value(r, column).clone()).unwrap_or(Value::Null);
        if table == Some(Table::Answer)
            && let Some(r) = row
        {
            return SideValue {
                value: v,
                by: text(r, "assessed_by").to_string(),
                at: text(r, "assessed_at").to_string(),
            };
        }
        let (by, at) = side
            .last(&(key.to_string(), column.to_string()))
            .cloned()
            .unwrap_or_default();
        SideValue { value: v, by, at }
    }

    /// Compares the columns of one row present on both sides (or treated as such), and queues
    /// the work.
    #[allow(clippy::too_many_arguments)]
    fn compare(
        &mut self,
        table: Option<Table>,
        key: &str,
        subject: &str,
        control: Option<&str>,
        ours: Option<&Columns>,
        theirs: Option<&Columns>,
        kind: WorkKind,
    ) {
        let name = entity(table);
        let mut columns: Vec<&String> = Vec::new();
        for r in [theirs, ours].into_iter().flatten() {
            for c in r.keys() {
                if !columns.contains(&c) {
                    columns.push(c);
                }
            }
        }
        let mut work = RowWork {
            table,
            ours: ours.cloned(),
            theirs: theirs.cloned(),
            kind,
            take: Vec::new(),
            conflicts: Vec::new(),
            new_id: None,
        };
        let h = self.history;
        for column in columns {
            if let Some(t) = table
                && (ignored(t, column) || follower(t, column))
            {
                continue;
            }
            let o = ours.map(|r| value(r, column)).unwrap_or(&Value::Null);
            let t = theirs.map(|r| value(r, column)).unwrap_or(&Value::Null);
            if same(o, t) {
                continue;
            }
            let id = (key.to_string(), column.clone());
            let (co, ct) = if table == Some(Table::Device) && column == "last_seen" {
                // When a scan last saw the device: the newer date wins, as when importing scans
                // (both sides write `YYYY-MM-DDTHH:MM:SSZ`, which sorts as text).
                let seen = |v: &Value| v.as_str().unwrap_or("").to_string();
                if seen(t) > seen(o) {
                    (false, true)
                } else {
                    (true, false)
                }
            } else if h.related {
                (
                    h.ours.changed(name, &id, o, &h.common),
                    h.theirs.changed(name, &id, t, &h.common),
                )
            } else {
                (true, true)
            };
            let diff = FieldDiff {
                entity: name.to_string(),
                key: key.to_string(),
                subject: subject.to_string(),
                control: control.map(str::to_string),
                field: column.clone(),
                ours: self.side_value(&h.ours, table, ours, key, column),
                theirs: self.side_value(&h.theirs, table, theirs, key, column),
            };
            // A field only an undone merge's undo set back: as the merge had it (theirs).
            let (co, ct) = if !co && !ct && h.undone.contains(&id) {
                (false, true)
            } else {
                (co, ct)
            };
            match (co, ct) {
                (false, true) => {
                    work.take.push(column.clone());
                    self.plan.taken.push(diff);
                }
                (true, false) => self.plan.kept.push(diff),
                _ => {
                    work.conflicts
                        .push((column.clone(), self.plan.conflicts.len()));
                    self.plan.conflicts.push(diff);
                }
            }
        }
        let matters = match kind {
            WorkKind::Update => !work.take.is_empty() || !work.conflicts.is_empty(),
            WorkKind::Insert { always } | WorkKind::Delete { always } => {
                always || !work.take.is_empty() || !work.conflicts.is_empty()
            }
        };
        if matters {
            self.plan.work.push(work);
        }
    }
}

/// Gives every risk entry the plan inserts its row ID in ours — after ours' highest, in the
/// order they are written (inserts come before the removals) — and names the added ones' Risk
/// IDs in the report, with theirs' when it differs (a Risk ID is `R-` + the row ID).
fn number_risk_entries(plan: &mut MergePlan, ours: &[Row]) {
    let id = |c: &Columns| c.get("id").and_then(Value::as_i64);
    let first = ours
        .iter()
        .filter_map(|r| id(&r.columns))
        .max()
        .unwrap_or(0)
        + 1;
    let mut added = plan
        .added
        .iter_mut()
        .filter(|a| a.entity == Table::RiskEntry.name());
    let inserts = plan
        .work
        .iter_mut()
        .filter(|w| w.table == Some(Table::RiskEntry) && matches!(w.kind, WorkKind::Insert { .. }));
    for (next, w) in (first..).zip(inserts) {
        w.new_id = Some(next);
        if w.kind == (WorkKind::Insert { always: true })
            && let Some(a) = added.next()
        {
            let theirs = w.theirs.as_ref().and_then(id).map(|t| format!("R-{t:04}"));
            let ours = format!("R-{next:04}");
            a.theirs_risk_id = theirs.filter(|t| *t != ours);
            a.risk_id = Some(ours);
        }
    }
}

impl Workbook {
    /// Compares this workbook (ours) with `other` (theirs, opened read-only) and decides every
    /// difference; changes nothing. See the `merge` module documentation for the rules.
    ///
    /// Errors: `Sqlite` (either file).
    pub fn plan_merge(&self, other: &Workbook) -> Result<MergePlan, WorkbookError> {
        let related = self.meta.workbook_id == other.meta.workbook_id;
        let mut differ_o = Differ::default();
        let mut differ_t = Differ::default();
        let mut ours: HashMap<Table, Vec<Row>> = HashMap::new();
        let mut theirs: HashMap<Table, Vec<Row>> = HashMap::new();
        for t in TABLES {
            ours.insert(
                t,
                read_table(&self.conn, &mut differ_o, t).map_err(|e| self.sql(e))?,
            );
            theirs.insert(
                t,
                read_table(&other.conn, &mut differ_t, t).map_err(|e| other.sql(e))?,
            );
        }
        let no_rows = Vec::new();
        let ours_devices = ours.get(&Table::Device).unwrap_or(&no_rows);
        let theirs_devices = theirs.get(&Table::Device).cloned().unwrap_or_default();
        let theirs_devices = &theirs_devices;
        let matches = match_devices(ours_devices, theirs_devices);
        let uuid_map: HashMap<String, String> = matches
            .iter()
            .filter(|(t, o, _)| t != o)
            .map(|(t, o, _)| (t.clone(), o.clone()))
            .collect();
        let map_key = |key: &str, device: Option<&str>| -> String {
            match device.and_then(|d| uuid_map.get(d).map(|o| (d, o))) {
                Some((t, o)) => key.replace(t, o),
                None => key.to_string(),
            }
        };
        for rows in theirs.values_mut() {
            for r in rows.iter_mut() {
                if let Some(d) = r.device.clone()
                    && let Some(o) = uuid_map.get(&d)
                {
                    r.key = r.key.replace(&d, o);
                    r.device = Some(o.clone());
                }
            }
        }
        let ours_entries = self.audit_entries(&AuditFilter::default())?;
        let theirs_entries = other.audit_entries(&AuditFilter::default())?;
        let history = History::read(&ours_entries, &theirs_entries, related, &map_key);
        let mut p = Planner {
            history: &history,
            plan: MergePlan {
                other: other.path.clone(),
                related,
                ours_head: self.audit_head()?,
                theirs_head: other.audit_head()?,
                entries: history.to_append.len(),
                append: history.to_append.clone(),
                uuid_map: uuid_map.clone(),
                ..MergePlan::default()
            },
        };
        // Devices matched by something other than their UUID.
        let short = |rows: &[Row], uuid: &str| {
            rows.iter()
                .find(|r| text(&r.columns, "uuid") == uuid)
                .map(|r| {
                    (
                        r.columns
                            .get("number")
                            .and_then(Value::as_i64)
                            .map(format_short_id)
                            .unwrap_or_default(),
                        text(&r.columns, "name").to_string(),
                    )
                })
                .unwrap_or_default()
        };
        for (t, o, by) in &matches {
            if *by == MatchedBy::Uuid {
                p.plan.matched_by_uuid += 1;
            } else {
                let (ours_short, name) = short(ours_devices, o);
                p.plan.matched.push(DeviceMatch {
                    theirs: short(theirs_devices, t).0,
                    ours: ours_short,
                    name,
                    by: *by,
                });
            }
        }
        let mut next_number: i64 = self
            .conn
            .query_row(
                "SELECT next_device_no FROM assessment WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))?;
        for table in TABLES {
            let ours_rows = ours.get(&table).unwrap_or(&no_rows);
            let theirs_rows = theirs.get(&table).unwrap_or(&no_rows);
            let mut ours_by_key: HashMap<&str, &Row> = HashMap::new();
            for r in ours_rows {
                ours_by_key.entry(r.key.as_str()).or_insert(r);
            }
            let mut seen: HashSet<&str> = HashSet::new();
            let name = table.name();
            for t in theirs_rows {
                if !seen.insert(t.key.as_str()) {
                    continue;
                }
                let control = t.control.as_deref();
                match ours_by_key.get(t.key.as_str()) {
                    Some(o) => p.compare(
                        Some(table),
                        &o.key,
                        &o.subject,
                        control,
                        Some(&o.columns),
                        Some(&t.columns),
                        WorkKind::Update,
                    ),
                    None => {
                        let ours_removed = related && history.ours.names_row(name, &t.key);
                        if ours_removed && history.theirs.names_row(name, &t.key) {
                            // Ours removed it and theirs changed it: field by field.
                            p.compare(
                                Some(table),
                                &t.key,
                                &t.subject,
                                control,
                                None,
                                Some(&t.columns),
                                WorkKind::Insert { always: false },
                            );
                        } else if !ours_removed {
                            p.plan.work.push(RowWork {
                                table: Some(table),
                                ours: None,
                                theirs: Some(t.columns.clone()),
                                kind: WorkKind::Insert { always: true },
                                take: Vec::new(),
                                conflicts: Vec::new(),
                                new_id: None,
                            });
                            if table == Table::Device {
                                let theirs_short = t
                                    .columns
                                    .get("number")
                                    .and_then(Value::as_i64)
                                    .map(format_short_id)
                                    .unwrap_or_default();
                                p.plan.added_devices.push(AddedDevice {
                                    theirs: theirs_short,
                                    ours: format_short_id(next_number),
                                    name: text(&t.columns, "name").to_string(),
                                });
                                next_number += 1;
                            } else {
                                p.plan.added.push(AddedRow {
                                    entity: name.to_string(),
                                    subject: t.subject.clone(),
                                    risk_id: None,
                                    theirs_risk_id: None,
                                });
                            }
                        }
                    }
                }
            }
            let theirs_keys: HashSet<&str> = theirs_rows.iter().map(|r| r.key.as_str()).collect();
            // Rows only in ours: kept unless theirs removed them (answers, risk entries).
            if matches!(table, Table::Answer | Table::RiskEntry) && related {
                for o in ours_rows {
                    if theirs_keys.contains(o.key.as_str())
                        || !history.theirs.names_row(name, &o.key)
                    {
                        continue;
                    }
                    if history.ours.names_row(name, &o.key) {
                        p.compare(
                            Some(table),
                            &o.key,
                            &o.subject,
                            o.control.as_deref(),
                            Some(&o.columns),
                            None,
                            WorkKind::Delete { always: false },
                        );
                    } else {
                        p.plan.removed.push(AddedRow {
                            entity: name.to_string(),
                            subject: o.subject.clone(),
                            risk_id: None,
                            theirs_risk_id: None,
                        });
                        p.plan.work.push(RowWork {
                            table: Some(table),
                            ours: Some(o.columns.clone()),
                            theirs: None,
                            kind: WorkKind::Delete { always: true },
                            take: Vec::new(),
                            conflicts: Vec::new(),
                            new_id: None,
                        });
                    }
                }
            }
        }
        number_risk_entries(&mut p.plan, ours.get(&Table::RiskEntry).unwrap_or(&no_rows));
        let ours_settings = settings(&self.conn).map_err(|e| self.sql(e))?;
        let theirs_settings = settings(&other.conn).map_err(|e| other.sql(e))?;
        p.compare(
            None,
            "assessment",
            "settings",
            None,
            Some(&ours_settings),
            Some(&theirs_settings),
            WorkKind::Update,
        );
        let ours_feeds = feed_dates(&self.conn).map_err(|e| self.sql(e))?;
        let theirs_feeds = feed_dates(&other.conn).map_err(|e| other.sql(e))?;
        let mut feeds: Vec<_> = theirs_feeds.into_iter().collect();
        feeds.sort();
        for ((kind, name), date) in feeds {
            let mine = ours_feeds.get(&(kind.clone(), name.clone()));
            if mine.is_none_or(|d| *d < date) {
                p.plan.feeds.push(FeedTaken {
                    kind,
                    name,
                    ours_date: mine.cloned(),
                    theirs_date: date,
                });
            }
        }
        Ok(p.plan)
    }
}
