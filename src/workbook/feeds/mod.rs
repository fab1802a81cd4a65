//! Stored vulnerability feeds: one `feed` row per document (a KEV catalog snapshot, a CSAF
//! advisory, an NVD or CVE record, a VEX document) and its items in `feed_item` (a KEV entry or
//! one vulnerability, as JSON of the normalised types of [`crate::vuln`]).
//!
//! Rules (ISSUE 6, PRODUCT.md "Loud, validated input"):
//! - a document of the same (kind, name) with the same or a newer feed date replaces the stored
//!   one's items; an OLDER one is kept out and reported, never a silent downgrade; the same file
//!   again (same date and SHA-256) changes nothing; one of the SAME date that lacks items (by
//!   CVE) the stored one holds is kept out too (a cut or partial copy of the same catalog or
//!   advisory), while one of the same date that only adds or changes items replaces it;
//! - a KEV import reports the entries added, changed and removed against the stored catalog;
//! - every file of one import is stored in one transaction: all or nothing.
//!
//! Feeds are reference data, not assessment answers: importing them is not an undo step.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use super::{TxError, Workbook, WorkbookError, now_utc};
use crate::vuln::feed::FeedFile;
use crate::vuln::{FeedDocument, FeedIndex, FeedInfo, FeedKind, KevEntry, Vulnerability};

/// One stored feed document, as `feed list` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFeed {
    /// Kind, name, feed date, version, title.
    pub info: FeedInfo,
    /// The file it came from (name only).
    pub file_name: String,
    /// SHA-256 of that file, 64 lower-case hex digits.
    pub sha256: String,
    /// When it was imported (RFC 3339 UTC).
    pub imported_at: String,
    /// Its items: KEV entries or vulnerabilities.
    pub item_count: usize,
}

/// What happened (or, in a dry run, would happen) to one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedAction {
    /// No document of this kind and name was stored.
    Added,
    /// It replaced the stored one of this date (same or older).
    Replaced {
        /// The stored document's feed date.
        previous: NaiveDate,
    },
    /// The same file (same date and SHA-256) is already stored; nothing changed.
    Unchanged,
    /// It is older than the stored one, which is kept; this one was not stored.
    KeptOlder {
        /// The stored (newer) document's feed date.
        stored: NaiveDate,
    },
    /// It has the stored one's date but lacks some of its items (by CVE ID), so it is a cut or
    /// partial copy; the stored one is kept and this one was not stored.
    KeptIncomplete {
        /// The feed date both share.
        stored: NaiveDate,
        /// Items (distinct CVE IDs) of the stored document this one lacks, at least 1.
        missing: usize,
    },
}

/// KEV entries compared with the stored catalog, by CVE ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KevChanges {
    /// CVEs not in the stored catalog.
    pub added: usize,
    /// CVEs whose entry differs in any field (due date, notes, ransomware use, …).
    pub changed: usize,
    /// CVEs of the stored catalog no longer listed.
    pub removed: usize,
}

/// One document of an import and its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedImportLine {
    /// The document.
    pub info: FeedInfo,
    /// The file it came from.
    pub file_name: String,
    /// Its items.
    pub items: usize,
    /// What happened to it.
    pub action: FeedAction,
    /// For a KEV catalog that was stored: the changes against the catalog stored before.
    pub kev: Option<KevChanges>,
}

/// What a document's (kind, name) holds while an import runs: the database, or what the
/// import stored earlier in the same batch.
struct Current {
    date: NaiveDate,
    sha256: String,
    /// The CVE IDs of its items, upper case.
    cves: HashSet<String>,
    kev: Option<HashMap<String, KevEntry>>,
}

fn stored_cves(conn: &Connection, feed_id: i64) -> rusqlite::Result<HashSet<String>> {
    let mut stmt = conn.prepare("SELECT cve FROM feed_item WHERE feed_id = ?1")?;
    let rows = stmt.query_map([feed_id], |r| r.get::<_, String>(0))?;
    rows.map(|c| c.map(|c| c.to_ascii_uppercase())).collect()
}

fn doc_cves(doc: &FeedDocument) -> HashSet<String> {
    match doc {
        FeedDocument::Kev { entries, .. } => {
            entries.iter().map(|e| e.cve.to_ascii_uppercase()).collect()
        }
        FeedDocument::Advisory {
            vulnerabilities, ..
        } => vulnerabilities
            .iter()
            .map(|v| v.cve.to_ascii_uppercase())
            .collect(),
    }
}

fn stored_current(
    conn: &Connection,
    kind: FeedKind,
    name: &str,
) -> rusqlite::Result<Option<(i64, NaiveDate, String)>> {
    conn.query_row(
        "SELECT id, feed_date, sha256 FROM feed WHERE kind = ?1 AND name = ?2",
        params![kind.label(), name],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        },
    )
    .optional()
    .map(|row| {
        row.map(|(id, date, sha)| {
            (
                id,
                NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap_or_default(),
                sha,
            )
        })
    })
}

fn stored_kev(conn: &Connection, feed_id: i64) -> rusqlite::Result<HashMap<String, KevEntry>> {
    let mut stmt = conn.prepare("SELECT body FROM feed_item WHERE feed_id = ?1")?;
    let rows = stmt.query_map([feed_id], |r| r.get::<_, String>(0))?;
    let mut out = HashMap::new();
    for body in rows {
        if let Ok(e) = serde_json::from_str::<KevEntry>(&body?) {
            out.insert(e.cve.to_ascii_uppercase(), e);
        }
    }
    Ok(out)
}

/// Whether `doc` is a KEV catalog whose entries equal the stored catalog's `current` (none
/// added, changed or removed).
fn same_kev_entries(current: &Current, doc: &FeedDocument) -> bool {
    match (&current.kev, doc) {
        (Some(old), FeedDocument::Kev { entries, .. }) => {
            compare_kev(old, entries) == KevChanges::default()
        }
        _ => false,
    }
}

fn compare_kev(old: &HashMap<String, KevEntry>, new: &[KevEntry]) -> KevChanges {
    let mut changes = KevChanges::default();
    let mut seen = std::collections::HashSet::new();
    for e in new {
        let key = e.cve.to_ascii_uppercase();
        match old.get(&key) {
            None => changes.added += 1,
            Some(o) if o != e => changes.changed += 1,
            Some(_) => {}
        }
        seen.insert(key);
    }
    changes.removed = old.keys().filter(|k| !seen.contains(*k)).count();
    changes
}

/// Works out what each document of `files` does, and stores them when `write` is set; `conn`
/// is a transaction when writing.
fn run(conn: &Connection, files: &[FeedFile], write: bool) -> Result<Vec<FeedImportLine>, TxError> {
    let mut batch: HashMap<(FeedKind, String), Current> = HashMap::new();
    let mut lines = Vec::new();
    let imported_at = now_utc();
    for file in files {
        for doc in &file.documents {
            let (info, items) = match doc {
                FeedDocument::Kev { info, entries } => (info, entries.len()),
                FeedDocument::Advisory {
                    info,
                    vulnerabilities,
                } => (info, vulnerabilities.len()),
            };
            let key = (info.kind, info.name.clone());
            let current = match batch.remove(&key) {
                Some(c) => Some(c),
                None => match stored_current(conn, info.kind, &info.name)? {
                    Some((id, date, sha256)) => Some(Current {
                        date,
                        sha256,
                        cves: stored_cves(conn, id)?,
                        kev: if info.kind == FeedKind::Kev {
                            Some(stored_kev(conn, id)?)
                        } else {
                            None
                        },
                    }),
                    None => None,
                },
            };
            let cves = doc_cves(doc);
            let action = match &current {
                None => FeedAction::Added,
                Some(c) if info.feed_date < c.date => FeedAction::KeptOlder { stored: c.date },
                Some(c) if info.feed_date == c.date && c.sha256 == file.sha256 => {
                    FeedAction::Unchanged
                }
                // The same catalog in another file (the KEV as CSV beside its JSON): no entry
                // differs, so nothing is replaced.
                Some(c) if info.feed_date == c.date && same_kev_entries(c, doc) => {
                    FeedAction::Unchanged
                }
                Some(c) if info.feed_date == c.date && !c.cves.is_subset(&cves) => {
                    FeedAction::KeptIncomplete {
                        stored: c.date,
                        missing: c.cves.difference(&cves).count(),
                    }
                }
                Some(c) => FeedAction::Replaced { previous: c.date },
            };
            let stores = matches!(action, FeedAction::Added | FeedAction::Replaced { .. });
            let mut kev = None;
            let next = if stores {
                let entries = match doc {
                    FeedDocument::Kev { entries, .. } => {
                        let empty = HashMap::new();
                        let old = current
                            .as_ref()
                            .and_then(|c| c.kev.as_ref())
                            .unwrap_or(&empty);
                        kev = Some(compare_kev(old, entries));
                        Some(
                            entries
                                .iter()
                                .map(|e| (e.cve.to_ascii_uppercase(), e.clone()))
                                .collect(),
                        )
                    }
                    FeedDocument::Advisory { .. } => None,
                };
                if write {
                    store(conn, file, doc, &imported_at)?;
                }
                Current {
                    date: info.feed_date,
                    sha256: file.sha256.clone(),
                    cves,
                    kev: entries,
                }
            } else {
                // Kept out or unchanged: what is current stays current.
                match current {
                    Some(c) => c,
                    None => continue,
                }
            };
            batch.insert(key, next);
            lines.push(FeedImportLine {
                info: info.clone(),
                file_name: file.file_name.clone(),
                items,
                action,
                kev,
            });
        }
    }
    Ok(lines)
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, TxError> {
    serde_json::to_string(value).map_err(|e| TxError::Invalid(e.to_string()))
}

/// Writes one document: its `feed` row (inserted or updated in place) and its items (the old
/// items removed).
fn store(
    conn: &Connection,
    file: &FeedFile,
    doc: &FeedDocument,
    imported_at: &str,
) -> Result<(), TxError> {
    let (info, bodies): (&FeedInfo, Vec<(String, String)>) = match doc {
        FeedDocument::Kev { info, entries } => (
            info,
            entries
                .iter()
                .map(|e| Ok((e.cve.clone(), json(e)?)))
                .collect::<Result<_, TxError>>()?,
        ),
        FeedDocument::Advisory {
            info,
            vulnerabilities,
        } => (
            info,
            vulnerabilities
                .iter()
                .map(|v| Ok((v.cve.clone(), json(v)?)))
                .collect::<Result<_, TxError>>()?,
        ),
    };
    let count = i64::try_from(bodies.len()).unwrap_or(i64::MAX);
    let existing: Option<i64> = conn
        .query_row(
            "SELECT id FROM feed WHERE kind = ?1 AND name = ?2",
            params![info.kind.label(), info.name],
            |r| r.get(0),
        )
        .optional()?;
    let feed_id = match existing {
        Some(id) => {
            conn.execute("DELETE FROM feed_item WHERE feed_id = ?1", [id])?;
            conn.execute(
                "UPDATE feed SET feed_date = ?1, version = ?2, title = ?3, file_name = ?4,
                     sha256 = ?5, imported_at = ?6, item_count = ?7 WHERE id = ?8",
                params![
                    info.feed_date.to_string(),
                    info.version,
                    info.title,
                    file.file_name,
                    file.sha256,
                    imported_at,
                    count,
                    id
                ],
            )?;
            id
        }
        None => {
            conn.execute(
                "INSERT INTO feed (kind, name, feed_date, version, title, file_name, sha256,
                     imported_at, item_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    info.kind.label(),
                    info.name,
                    info.feed_date.to_string(),
                    info.version,
                    info.title,
                    file.file_name,
                    file.sha256,
                    imported_at,
                    count
                ],
            )?;
            conn.last_insert_rowid()
        }
    };
    let mut insert =
        conn.prepare_cached("INSERT INTO feed_item (feed_id, cve, body) VALUES (?1, ?2, ?3)")?;
    for (cve, body) in bodies {
        insert.execute(params![feed_id, cve, body])?;
    }
    Ok(())
}

impl Workbook {
    /// What importing `files` would do, without changing anything (a dry run; needs only read
    /// access). Documents are taken in order; a later document of the same kind and name is
    /// compared with the earlier one.
    ///
    /// Errors: `Sqlite`.
    pub fn plan_feeds(&self, files: &[FeedFile]) -> Result<Vec<FeedImportLine>, WorkbookError> {
        run(&self.conn, files, false).map_err(|e| e.with_path(&self.path))
    }

    /// Stores the documents of `files` in one transaction (all or nothing) by the rules of this
    /// module, and returns what happened to each. Not an undo step.
    ///
    /// Errors: `Sqlite`, `Invalid` (an item that cannot be written as JSON).
    pub fn import_feeds(
        &mut self,
        files: &[FeedFile],
    ) -> Result<Vec<FeedImportLine>, WorkbookError> {
        let path = self.path.clone();
        let mut entry = self.new_entry("feed", "", Vec::new());
        let tx = self.conn.transaction().map_err(|e| super::sql(&path, e))?;
        let lines = run(&tx, files, true).map_err(|e| e.with_path(&path))?;
        // Audited: every document stored (added or replacing an older one), old date -> new.
        for line in &lines {
            let old = match &line.action {
                FeedAction::Added => serde_json::Value::Null,
                FeedAction::Replaced { previous } => previous.to_string().into(),
                _ => continue,
            };
            entry.changes.push(super::audit::setting_change(
                "feed",
                &format!("feed:{}:{}", line.info.kind.label(), line.info.name),
                "feed_date",
                old,
                line.info.feed_date.to_string().into(),
            ));
        }
        if !entry.changes.is_empty() {
            entry.summary = format!("feed import: {} document(s)", entry.changes.len());
            super::audit::append(&tx, entry).map_err(|e| super::sql(&path, e))?;
        }
        tx.commit().map_err(|e| super::sql(&path, e))?;
        Ok(lines)
    }

    /// The stored feed documents: KEV first, then by kind and name.
    ///
    /// Errors: `Sqlite`.
    pub fn feeds(&self) -> Result<Vec<StoredFeed>, WorkbookError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT kind, name, feed_date, version, title, file_name, sha256, imported_at,
                     item_count FROM feed",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, i64>(8)?,
                ))
            })
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for (kind, name, date, version, title, file_name, sha256, imported_at, count) in rows {
            let Some(kind) = FeedKind::parse(&kind) else {
                continue;
            };
            out.push(StoredFeed {
                info: FeedInfo {
                    kind,
                    name,
                    feed_date: NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap_or_default(),
                    version,
                    title,
                },
                file_name,
                sha256,
                imported_at,
                item_count: usize::try_from(count).unwrap_or(0),
            });
        }
        out.sort_by(|a, b| {
            (a.info.kind, a.info.name.as_str()).cmp(&(b.info.kind, b.info.name.as_str()))
        });
        Ok(out)
    }

    /// Everything stored from feeds, ready for matching: the KEV catalog and its entries by
    /// CVE (upper case), and every advisory and record with its vulnerabilities.
    ///
    /// Errors: `Sqlite`; `Invalid` when a stored item is not the JSON medsec wrote (a damaged
    /// workbook), naming the feed.
    pub fn feed_index(&self) -> Result<FeedIndex, WorkbookError> {
        let feeds = self.feeds()?;
        let mut index = FeedIndex::default();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT i.body FROM feed_item i JOIN feed f ON f.id = i.feed_id
                 WHERE f.kind = ?1 AND f.name = ?2 ORDER BY i.id",
            )
            .map_err(|e| self.sql(e))?;
        for feed in feeds {
            let bodies = stmt
                .query_map(params![feed.info.kind.label(), feed.info.name], |r| {
                    r.get::<_, String>(0)
                })
                .map_err(|e| self.sql(e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.sql(e))?;
            let damaged = |e: serde_json::Error| {
                WorkbookError::Invalid(format!(
                    "the stored feed {} is damaged ({e}); import it again",
                    feed.info.dated_name()
                ))
            };
            if feed.info.kind == FeedKind::Kev {
                for body in bodies {
                    let e: KevEntry = serde_json::from_str(&body).map_err(damaged)?;
                    index.kev_entries.insert(e.cve.to_ascii_uppercase(), e);
                }
                index.kev = Some(feed.info);
            } else {
                let vulns = bodies
                    .iter()
                    .map(|b| serde_json::from_str::<Vulnerability>(b))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(damaged)?;
                index.advisories.push((feed.info, vulns));
            }
        }
        Ok(index)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
