//! Vulnerability findings: the matches of feeds and SBOMs to devices, stored in `vuln_finding`
//! with the assessor's decision (Suggested, Confirmed, Dismissed).
//!
//! A finding is keyed by (device, CVE, component): recording the matches of a device again
//! updates the match facts of the findings it already has and keeps their state and note, so a
//! dismissed match stays dismissed when feeds are imported again. A finding no match supports any
//! more is marked stale (never deleted) and loses the mark when it is matched again. A confirmed
//! finding has its own risk register entry (`risk_entry.finding_id`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::devices::devices_in;
use super::risk::RiskEntry;
use super::snapshot::RowKey;
use super::undo::Recorder;
use super::{TxError, Workbook, WorkbookError, sql};
use crate::assessment::check_text_limit;
use crate::device::fields::clean_text;
use crate::risk::RiskStatus;
use crate::vuln::matching::{Match, Matcher};
use crate::vuln::{Component, CvssScore};

/// What one refresh of the findings changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshOutcome {
    /// Matches seen for the first time (stored as Suggested).
    pub new: usize,
    /// Known matches whose facts changed (scores, KEV, sources).
    pub updated: usize,
    /// Known matches that no feed supports any more (marked stale, never deleted).
    pub stale: usize,
    /// Dismissed matches seen again and left dismissed.
    pub still_dismissed: usize,
    /// Devices checked.
    pub devices: usize,
}

impl RefreshOutcome {
    fn add(&mut self, other: &RefreshOutcome) {
        self.new += other.new;
        self.updated += other.updated;
        self.stale += other.stale;
        self.still_dismissed += other.still_dismissed;
        self.devices += other.devices;
    }
}

/// The assessor's decision on a vulnerability finding (TEMPLATE.md "2 CVE Findings", State).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingState {
    /// Matched, not decided yet: not a risk (PRODUCT.md "Answers, suggestions and deferral").
    Suggested,
    /// The assessor confirmed it applies: it enters the risk register.
    Confirmed,
    /// The assessor ruled it out, with a reason; it stays dismissed across refreshes.
    Dismissed,
}

impl FindingState {
    /// `Suggested`, `Confirmed`, `Dismissed` (the stored and shown value).
    pub fn label(self) -> &'static str {
        match self {
            FindingState::Suggested => "Suggested",
            FindingState::Confirmed => "Confirmed",
            FindingState::Dismissed => "Dismissed",
        }
    }

    /// Reads a state case-insensitively (`confirmed`, `Dismissed`); `None` for anything else.
    pub fn parse(text: &str) -> Option<FindingState> {
        [
            FindingState::Suggested,
            FindingState::Confirmed,
            FindingState::Dismissed,
        ]
        .into_iter()
        .find(|s| s.label().eq_ignore_ascii_case(text.trim()))
    }
}

/// One stored vulnerability finding.
#[derive(Debug, Clone, PartialEq)]
pub struct VulnFinding {
    /// Row ID, stable for the workbook's life: the number of its Finding ID (`F-0001`).
    pub id: i64,
    /// The device's row ID.
    pub device_id: i64,
    /// `CVE-…`, upper case.
    pub cve: String,
    /// Lower-cased `name@version` of the SBOM component; `""` = the device's own product.
    pub component_key: String,
    /// The component's name as written (`""` for the device itself).
    pub component: String,
    /// The component's version as written.
    pub component_version: String,
    /// The assessor's decision.
    pub state: FindingState,
    /// The note of the decision (a dismissal's reason); may be empty.
    pub note: String,
    /// The latest match: sources with their dates, confidence, reason, scores, KEV facts.
    pub found: Match,
    /// When it was first matched, RFC 3339 UTC.
    pub first_seen: String,
    /// When its match facts or state last changed, RFC 3339 UTC.
    pub updated_at: String,
    /// When a refresh last found no match for it, RFC 3339 UTC; `None` = still matched.
    pub stale_since: Option<String>,
    /// The assessor's likelihood, 1–5; `None` = the suggested one ([`VulnFinding::likelihood`]).
    pub rated_likelihood: Option<u8>,
    /// The assessor's impact, 1–5; `None` = the device's default impact.
    pub rated_impact: Option<u8>,
}

impl VulnFinding {
    /// The Finding ID shown everywhere: `F-` and the row ID, at least four digits (`F-0001`).
    pub fn finding_id(&self) -> String {
        format_finding_id(self.id)
    }

    /// Whether the CVE is in the CISA KEV catalog (as of the KEV feed imported last).
    pub fn kev_listed(&self) -> bool {
        self.found.kev.is_some()
    }

    /// The catalog control the finding belongs to: `VULN-02` (known exploited vulnerabilities)
    /// when KEV-listed, else `VULN-01` (known vulnerabilities).
    pub fn control_id(&self) -> &'static str {
        if self.kev_listed() {
            "VULN-02"
        } else {
            "VULN-01"
        }
    }

    /// The highest base score over every source, as the template shows it; `None` without one.
    pub fn highest_score(&self) -> Option<&CvssScore> {
        self.found
            .scores
            .iter()
            .max_by(|a, b| a.base_score.total_cmp(&b.base_score))
    }

    /// The likelihood in force, 1–5, and whether it is the suggested default: the assessor's
    /// rating, else [`crate::risk::vuln::suggested_likelihood`] from KEV and CVSS.
    pub fn likelihood(&self) -> (u8, bool) {
        match self.rated_likelihood {
            Some(l) => (l, false),
            None => (
                crate::risk::vuln::suggested_likelihood(self.kev_listed(), &self.found.scores),
                true,
            ),
        }
    }

    /// What the finding is about in one line: `CVE-2017-0144 in openssl 1.0.2k`, or the CVE
    /// alone for the device's own product.
    pub fn subject(&self) -> String {
        if self.component.is_empty() {
            self.cve.clone()
        } else if self.component_version.is_empty() {
            format!("{} in {}", self.cve, self.component)
        } else {
            format!(
                "{} in {} {}",
                self.cve, self.component, self.component_version
            )
        }
    }

    /// Whether any source of the match is older than [`crate::vuln::STALE_AFTER_DAYS`] on
    /// `today` (flagged, never refused).
    pub fn feed_is_old(&self, today: NaiveDate) -> bool {
        self.found
            .sources
            .iter()
            .any(|s| (today - s.feed_date).num_days() > crate::vuln::STALE_AFTER_DAYS)
    }

    /// The sources as the template's Feed Date column and the CLI name them:
    /// `KEV of 2025-08-25; ICSMA-18-058-02 of 2018-02-27`.
    pub fn feed_dates(&self) -> String {
        self.found
            .sources
            .iter()
            .map(|s| format!("{} of {}", s.name, s.feed_date))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl VulnFinding {
    /// The finding as one JSON object of `assets/schema/finding-list.v1.json` (also the items of
    /// `vulnerability_findings` in `export json`): `device` is (short ID, UUID) when known,
    /// `risk_id` the register entry's (`R-0012`), `today` decides which sources are stale.
    pub fn to_json(
        &self,
        device: Option<(&str, &str)>,
        risk_id: Option<&str>,
        today: NaiveDate,
    ) -> serde_json::Value {
        use serde_json::json;
        let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let (likelihood, likelihood_default) = self.likelihood();
        let kev = self.found.kev.as_ref();
        json!({
            "finding_id": self.finding_id(),
            "device": device.map(|d| d.0),
            "device_uuid": device.map(|d| d.1),
            "cve": self.cve,
            "component": text(&self.component),
            "component_version": text(&self.component_version),
            "state": self.state.label(),
            "note": text(&self.note),
            "confidence": self.found.confidence.label(),
            "reason": self.found.reason,
            "title": text(&self.found.title),
            "control_id": self.control_id(),
            "sources": self.found.sources.iter().map(|s| json!({
                "kind": s.kind.label(),
                "name": s.name,
                "feed_date": s.feed_date.to_string(),
                "stale": (today - s.feed_date).num_days() > crate::vuln::STALE_AFTER_DAYS,
            })).collect::<Vec<_>>(),
            "advisories": self.found.advisories,
            "scores": self.found.scores.iter().map(|s| json!({
                "version": s.version,
                "vector": text(&s.vector),
                "base_score": s.base_score,
                "severity": text(&s.severity),
                "source": s.source,
            })).collect::<Vec<_>>(),
            "kev": kev.is_some(),
            "kev_date_added": kev.and_then(|k| k.date_added).map(|d| d.to_string()),
            "kev_due_date": kev.and_then(|k| k.due_date).map(|d| d.to_string()),
            "known_ransomware_use": kev.and_then(|k| text(&k.ransomware)),
            "fix_status": self.found.fix.label(),
            "likelihood": likelihood,
            "likelihood_default": likelihood_default,
            "impact": self.rated_impact,
            "risk_id": risk_id,
            "first_seen": self.first_seen,
            "no_longer_matched_since": self.stale_since,
        })
    }
}

/// `F-0001` for row ID 1.
pub fn format_finding_id(id: i64) -> String {
    format!("F-{id:04}")
}

/// Reads a Finding ID (`F-0001`, `f-1`, `1`) back to the row ID; `None` for anything else.
pub fn parse_finding_id(text: &str) -> Option<i64> {
    let t = text.trim();
    let digits = t
        .strip_prefix("F-")
        .or_else(|| t.strip_prefix("f-"))
        .unwrap_or(t);
    digits.parse().ok().filter(|n| *n > 0)
}

/// The stored key of a match's component: lower-cased `name@version`, `""` for the device.
fn component_key(component: Option<&Component>) -> String {
    component
        .map(|c| format!("{}@{}", c.name.trim(), c.version.trim()).to_lowercase())
        .unwrap_or_default()
}

/// The finding with row ID `id`, or `Invalid` naming it ("no finding F-0007").
fn existing_finding(conn: &Connection, id: i64) -> Result<VulnFinding, TxError> {
    finding_in(conn, id)?.ok_or_else(|| {
        TxError::Invalid(format!(
            "no finding {} (see `medsec finding list`)",
            format_finding_id(id)
        ))
    })
}

const SELECT: &str = "SELECT id, device_id, cve, component_key, component, component_version,
        state, state_note, match_json, first_seen, updated_at, stale_since, likelihood, impact
        FROM vuln_finding";

fn finding_from_row(r: &Row<'_>) -> rusqlite::Result<VulnFinding> {
    let state: String = r.get(6)?;
    let json: String = r.get(8)?;
    let found = serde_json::from_str(&json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(VulnFinding {
        id: r.get(0)?,
        device_id: r.get(1)?,
        cve: r.get(2)?,
        component_key: r.get(3)?,
        component: r.get(4)?,
        component_version: r.get(5)?,
        state: FindingState::parse(&state).unwrap_or(FindingState::Suggested),
        note: r.get(7)?,
        found,
        first_seen: r.get(9)?,
        updated_at: r.get(10)?,
        stale_since: r.get(11)?,
        rated_likelihood: r.get(12)?,
        rated_impact: r.get(13)?,
    })
}

fn finding_in(conn: &Connection, id: i64) -> rusqlite::Result<Option<VulnFinding>> {
    conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row(params![id], finding_from_row)
        .optional()
}

/// Records `matches` as the findings of `device_id` in `tx` (see [`Workbook::record_matches`]).
fn record_in(
    tx: &Transaction<'_>,
    device_id: i64,
    matches: &[Match],
    now: &str,
) -> Result<RefreshOutcome, TxError> {
    let mut out = RefreshOutcome {
        devices: 1,
        ..RefreshOutcome::default()
    };
    let mut seen: HashSet<i64> = HashSet::new();
    for m in matches {
        let cve = m.cve.trim().to_uppercase();
        let key = component_key(m.component.as_ref());
        let json = serde_json::to_string(m)
            .map_err(|e| TxError::Invalid(format!("{cve}: the match cannot be stored: {e}")))?;
        let (name, version) = m
            .component
            .as_ref()
            .map(|c| (c.name.trim().to_string(), c.version.trim().to_string()))
            .unwrap_or_default();
        let known: Option<(i64, String, String, Option<String>)> = tx
            .prepare_cached(
                "SELECT id, state, match_json, stale_since FROM vuln_finding
                 WHERE device_id = ?1 AND cve = ?2 AND component_key = ?3",
            )?
            .query_row(params![device_id, cve, key], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        match known {
            None => {
                tx.prepare_cached(
                    "INSERT INTO vuln_finding (device_id, cve, component_key, component,
                         component_version, match_json, first_seen, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                )?
                .execute(params![device_id, cve, key, name, version, json, now])?;
                seen.insert(tx.last_insert_rowid());
                out.new += 1;
            }
            Some((id, state, old_json, stale)) => {
                seen.insert(id);
                if state == FindingState::Dismissed.label() {
                    out.still_dismissed += 1;
                }
                if old_json != json || stale.is_some() {
                    if old_json != json {
                        out.updated += 1;
                    }
                    tx.prepare_cached(
                        "UPDATE vuln_finding SET match_json = ?1, component = ?2,
                             component_version = ?3, updated_at = ?4, stale_since = NULL
                         WHERE id = ?5",
                    )?
                    .execute(params![json, name, version, now, id])?;
                }
            }
        }
    }
    let unmatched: Vec<i64> = tx
        .prepare_cached("SELECT id FROM vuln_finding WHERE device_id = ?1 AND stale_since IS NULL")?
        .query_map(params![device_id], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?
        .into_iter()
        .filter(|id| !seen.contains(id))
        .collect();
    for id in unmatched {
        tx.prepare_cached("UPDATE vuln_finding SET stale_since = ?1 WHERE id = ?2")?
            .execute(params![now, id])?;
        out.stale += 1;
    }
    Ok(out)
}

/// Opens (or re-opens) the register entry of a newly confirmed finding, dated today. A finding
/// confirmed again keeps its entry (owner, treatment, Risk ID); a Closed one is opened again.
fn note_confirmed(
    tx: &Transaction<'_>,
    rec: &mut Recorder,
    finding: &VulnFinding,
    today: NaiveDate,
) -> Result<(), TxError> {
    let stored = super::risk::finding_risk_entry_in(tx, finding.id)?;
    let mut entry = stored.clone().unwrap_or_default();
    if stored.is_some() && entry.status != RiskStatus::Closed && entry.identified_on.is_some() {
        return Ok(());
    }
    if entry.status == RiskStatus::Closed {
        entry.status = RiskStatus::Open;
    }
    entry.identified_on = Some(today);
    rec.touch(tx, RowKey::finding_risk(finding.id))?;
    super::risk::store_finding_risk_entry(tx, finding, &entry)?;
    Ok(())
}

impl Workbook {
    /// Stores the matches of one device as its findings, in one transaction (not an undo step:
    /// match facts come from the feeds, not from the assessor). Each match is upserted by
    /// (device, CVE, component key): a new one is stored Suggested; a known one gets the new
    /// facts (`match_json`) and keeps its state, note and rating; a stale one is matched again.
    /// The device's findings missing from `matches` are marked stale (`stale_since = now`),
    /// never deleted. `now` stamps `first_seen`, `updated_at` and `stale_since`.
    ///
    /// Errors: `Invalid` (a match that cannot be serialised), `Sqlite` (e.g. no such device).
    pub fn record_matches(
        &mut self,
        device_id: i64,
        matches: &[Match],
        now: DateTime<Utc>,
    ) -> Result<RefreshOutcome, WorkbookError> {
        let now = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let mut entry = self.new_entry("findings", "", Vec::new());
        let tx = self.conn.transaction().map_err(|e| sql(&self.path, e))?;
        let out = record_in(&tx, device_id, matches, &now).map_err(|e| e.with_path(&self.path))?;
        if out.new + out.updated + out.stale > 0 {
            entry.summary = format!(
                "vulnerability matches recorded: {} new, {} updated, {} stale",
                out.new, out.updated, out.stale
            );
            super::audit::append(&tx, entry).map_err(|e| sql(&self.path, e))?;
        }
        tx.commit().map_err(|e| sql(&self.path, e))?;
        Ok(out)
    }

    /// Matches every live device and its SBOM components against the stored feeds and records
    /// the result, keeping each finding's state (a dismissed match stays dismissed). Called after
    /// every feed or SBOM import and by `medsec finding refresh`. One transaction.
    ///
    /// Errors: `WorkbookError::Sqlite`.
    pub fn refresh_findings(&mut self) -> Result<RefreshOutcome, WorkbookError> {
        self.refresh(None)
    }

    /// [`Workbook::refresh_findings`] for the devices `ids` (row IDs) only: after one device was
    /// added or edited, the others' matches cannot have changed. A workbook without feeds is
    /// left alone (nothing to match against).
    ///
    /// Errors: `WorkbookError::Sqlite`.
    pub fn refresh_device_findings(
        &mut self,
        ids: &[i64],
    ) -> Result<RefreshOutcome, WorkbookError> {
        self.refresh(Some(ids))
    }

    /// Matches the live devices (all, or those of `only`) and records the result in one
    /// transaction.
    fn refresh(&mut self, only: Option<&[i64]>) -> Result<RefreshOutcome, WorkbookError> {
        let now = super::now_utc();
        // Read first (feeds, SBOMs), then write in one transaction: this process holds the
        // workbook's exclusive lock, so nothing changes in between.
        let index = self.feed_index()?;
        // A device-scoped refresh (after an edit) with no feed has nothing to match against.
        if only.is_some() && index.kev.is_none() && index.advisories.is_empty() {
            return Ok(RefreshOutcome::default());
        }
        let wanted = |id: i64| only.is_none_or(|ids| ids.contains(&id));
        let mut components: HashMap<i64, Vec<Component>> = self
            .sboms()?
            .into_iter()
            .filter(|s| wanted(s.device_id))
            .map(|s| (s.device_id, s.sbom.components))
            .collect();
        // The matcher indexes the feeds once for every device (PRODUCT.md budgets).
        let matcher = Matcher::new(&index);
        let mut entry = self.new_entry("findings", "", Vec::new());
        let tx = self.conn.transaction().map_err(|e| sql(&self.path, e))?;
        let mut run = || -> Result<RefreshOutcome, TxError> {
            let mut total = RefreshOutcome::default();
            for device in devices_in(&tx)?.into_iter().filter(|d| wanted(d.id)) {
                let parts = components.remove(&device.id).unwrap_or_default();
                let matches = matcher.match_device(&device, &parts);
                total.add(&record_in(&tx, device.id, &matches, &now)?);
            }
            Ok(total)
        };
        let out = run().map_err(|e| e.with_path(&self.path))?;
        // Audited when the matches changed: suggestions are facts from the feeds, not an
        // assessor's decision, so the entry gives counts; decisions are audited field by field.
        if out.new + out.updated + out.stale > 0 {
            entry.summary = format!(
                "vulnerability matches refreshed: {} new, {} updated, {} stale ({} device(s))",
                out.new, out.updated, out.stale, out.devices
            );
            super::audit::append(&tx, entry).map_err(|e| sql(&self.path, e))?;
        }
        tx.commit().map_err(|e| sql(&self.path, e))?;
        Ok(out)
    }

    /// Every finding of the live devices, by device number then CVE then component.
    ///
    /// Errors: `Sqlite` (also when a stored match no longer reads).
    pub fn vuln_findings(&self) -> Result<Vec<VulnFinding>, WorkbookError> {
        let sql = format!(
            "{SELECT} WHERE device_id IN (SELECT id FROM device WHERE deleted_at IS NULL)
             ORDER BY (SELECT number FROM device WHERE device.id = vuln_finding.device_id),
                 cve, component_key"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], finding_from_row)
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql(e))
    }

    /// The findings of one device (row ID), by CVE then component: what the Control screen of
    /// VULN-01 / VULN-02 shows, without reading every device's.
    ///
    /// Errors: `Sqlite` (also when a stored match no longer reads).
    pub fn vuln_findings_of(&self, device_id: i64) -> Result<Vec<VulnFinding>, WorkbookError> {
        let sql = format!("{SELECT} WHERE device_id = ?1 ORDER BY cve, component_key");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([device_id], finding_from_row)
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql(e))
    }

    /// The finding with this row ID (see [`parse_finding_id`]); `None` when there is none.
    ///
    /// Errors: `Sqlite`.
    pub fn vuln_finding(&self, id: i64) -> Result<Option<VulnFinding>, WorkbookError> {
        finding_in(&self.conn, id).map_err(|e| self.sql(e))
    }

    /// Sets the state of the findings `ids` in ONE transaction and ONE undo step (all or
    /// nothing), labelled e.g. `finding F-0001 confirm` or `finding F-0001, F-0002 dismiss`.
    /// `note` replaces the note (`None` clears it); it is cleaned like answer notes and limited
    /// to 32,767 UTF-16 units. Dismissing needs a non-empty note (the reason). Confirming opens
    /// the finding's register entry (identified today, local); dismissing or resetting keeps the
    /// entry stored but out of the register. Returns the findings as stored.
    ///
    /// Errors: `Invalid` (no such finding, a dismissal without a reason, a note too long),
    /// `Sqlite`.
    pub fn set_finding_state(
        &mut self,
        ids: &[i64],
        state: FindingState,
        note: Option<&str>,
    ) -> Result<Vec<VulnFinding>, WorkbookError> {
        let note = note
            .map(|n| clean_text(n).trim().to_string())
            .unwrap_or_default();
        check_text_limit("note", &note).map_err(WorkbookError::Invalid)?;
        if state == FindingState::Dismissed && note.is_empty() {
            return Err(WorkbookError::Invalid(
                "dismissing a finding needs a reason (a note)".to_string(),
            ));
        }
        if ids.is_empty() {
            return Err(WorkbookError::Invalid("no finding given".to_string()));
        }
        let today = chrono::Local::now().date_naive();
        let now = super::now_utc();
        self.recorded(|tx, rec| {
            let mut out = Vec::with_capacity(ids.len());
            for &id in ids {
                let finding = existing_finding(tx, id)?;
                rec.touch(tx, RowKey::VulnFinding(id))?;
                tx.prepare_cached(
                    "UPDATE vuln_finding SET state = ?1, state_note = ?2, updated_at = ?3
                     WHERE id = ?4",
                )?
                .execute(params![state.label(), note, now, id])?;
                if state == FindingState::Confirmed {
                    note_confirmed(tx, rec, &finding, today)?;
                }
                out.push(existing_finding(tx, id)?);
            }
            let verb = match state {
                FindingState::Confirmed => "confirm",
                FindingState::Dismissed => "dismiss",
                FindingState::Suggested => "reset",
            };
            let names: Vec<String> = ids.iter().map(|&i| format_finding_id(i)).collect();
            Ok((out, format!("finding {} {verb}", names.join(", "))))
        })
    }

    /// Rates a finding's likelihood and impact (1–5 each; `None` = back to the suggested
    /// default), one undo step labelled `finding F-0001 rating`.
    ///
    /// Errors: `Invalid` (no such finding, a rating outside 1–5), `Sqlite`.
    pub fn rate_finding(
        &mut self,
        id: i64,
        likelihood: Option<u8>,
        impact: Option<u8>,
    ) -> Result<VulnFinding, WorkbookError> {
        for (name, v) in [("likelihood", likelihood), ("impact", impact)] {
            if let Some(v) = v
                && !(1..=5).contains(&v)
            {
                return Err(WorkbookError::Invalid(format!(
                    "the {name} must be a whole number from 1 to 5, not {v}"
                )));
            }
        }
        let now = super::now_utc();
        self.recorded(|tx, rec| {
            existing_finding(tx, id)?;
            rec.touch(tx, RowKey::VulnFinding(id))?;
            tx.prepare_cached(
                "UPDATE vuln_finding SET likelihood = ?1, impact = ?2, updated_at = ?3
                 WHERE id = ?4",
            )?
            .execute(params![likelihood, impact, now, id])?;
            let stored = existing_finding(tx, id)?;
            Ok((stored, format!("finding {} rating", format_finding_id(id))))
        })
    }

    /// The register entries of vulnerability findings, by finding row ID.
    ///
    /// Errors: `Sqlite`.
    pub fn finding_risk_entries(&self) -> Result<HashMap<i64, RiskEntry>, WorkbookError> {
        super::risk::finding_risk_entries_in(&self.conn).map_err(|e| self.sql(e))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::risk::register::Register;
    use crate::vuln::matching::{Confidence, MatchSource};
    use crate::vuln::{FeedKind, FixStatus, KevEntry};
    use crate::workbook::{AssessmentMeta, DeviceChange, FieldSource, Passphrase};

    fn workbook(dir: &std::path::Path) -> Workbook {
        Workbook::create(
            &dir.join("w.medsec"),
            &Passphrase::new("correct horse battery staple".into()),
            AssessmentMeta {
                assessor: "A. Assessor".into(),
                ..AssessmentMeta::default()
            },
        )
        .unwrap()
    }

    fn device(wb: &mut Workbook) -> i64 {
        let change = DeviceChange {
            values: vec![
                ("manufacturer", "Philips".into()),
                ("model", "IntelliVue MX40".into()),
                ("criticality", "Life-sustaining".into()),
            ],
            ..DeviceChange::default()
        };
        wb.add_device(&change, FieldSource::Typed).unwrap().id
    }

    fn at(t: &str) -> DateTime<Utc> {
        t.parse().unwrap()
    }

    fn found(cve: &str, component: Option<(&str, &str)>) -> Match {
        Match {
            cve: cve.into(),
            component: component.map(|(n, v)| Component {
                name: n.into(),
                version: v.into(),
                ..Component::default()
            }),
            confidence: Confidence::High,
            reason: "model + version in range (<= B.06)".into(),
            sources: vec![MatchSource {
                kind: FeedKind::Csaf,
                name: "ICSMA-20-254-01".into(),
                feed_date: "2020-09-10".parse().unwrap(),
            }],
            advisories: vec!["ICSMA-20-254-01".into()],
            scores: vec![CvssScore {
                version: "3.1".into(),
                vector: "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N".into(),
                base_score: 6.5,
                severity: "MEDIUM".into(),
                source: "advisory".into(),
            }],
            fix: FixStatus::FixValidated,
            kev: None,
            title: "Improper input validation".into(),
        }
    }

    #[test]
    fn finding_ids_read_back() {
        assert_eq!(format_finding_id(1), "F-0001");
        assert_eq!(format_finding_id(12345), "F-12345");
        for t in ["F-0001", " f-1 ", "1"] {
            assert_eq!(parse_finding_id(t), Some(1), "{t}");
        }
        for t in ["F-", "F-0", "R-0001", "x", ""] {
            assert_eq!(parse_finding_id(t), None, "{t}");
        }
        assert_eq!(
            FindingState::parse(" dismissed"),
            Some(FindingState::Dismissed)
        );
        assert_eq!(FindingState::parse("open"), None);
    }

    #[test]
    fn recording_upserts_keeps_state_and_marks_stale() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path());
        let dev = device(&mut wb);
        let first = [
            found("cve-2020-16214", None),
            found("CVE-2014-0160", Some(("OpenSSL", "1.0.1f"))),
        ];
        let out = wb
            .record_matches(dev, &first, at("2026-01-01T00:00:00Z"))
            .unwrap();
        assert_eq!((out.new, out.updated, out.stale), (2, 0, 0));
        let all = wb.vuln_findings().unwrap();
        assert_eq!(all.len(), 2);
        let own = all.iter().find(|f| f.component_key.is_empty()).unwrap();
        assert_eq!(own.cve, "CVE-2020-16214");
        assert_eq!(own.state, FindingState::Suggested);
        let ssl = all.iter().find(|f| !f.component_key.is_empty()).unwrap();
        assert_eq!(ssl.component_key, "openssl@1.0.1f");
        assert_eq!(ssl.subject(), "CVE-2014-0160 in OpenSSL 1.0.1f");
        assert_eq!(ssl.feed_dates(), "ICSMA-20-254-01 of 2020-09-10");

        // Dismissed, then matched again with new facts: still dismissed, note kept.
        wb.set_finding_state(
            &[own.id],
            FindingState::Dismissed,
            Some("Not on this build"),
        )
        .unwrap();
        let mut again = found("CVE-2020-16214", None);
        again.scores[0].base_score = 7.1;
        let out = wb
            .record_matches(dev, &[again], at("2026-02-01T00:00:00Z"))
            .unwrap();
        assert_eq!(
            (out.new, out.updated, out.stale, out.still_dismissed),
            (0, 1, 1, 1)
        );
        let own = wb.vuln_finding(own.id).unwrap().unwrap();
        assert_eq!(own.state, FindingState::Dismissed);
        assert_eq!(own.note, "Not on this build");
        assert_eq!(own.highest_score().unwrap().base_score, 7.1);
        assert_eq!(own.first_seen, "2026-01-01T00:00:00Z");
        assert_eq!(own.stale_since, None);
        let ssl = wb.vuln_finding(ssl.id).unwrap().unwrap();
        assert_eq!(ssl.stale_since.as_deref(), Some("2026-02-01T00:00:00Z"));

        // Stale is never deleted; seen again clears it; an unchanged finding counts as nothing.
        let out = wb
            .record_matches(dev, &first, at("2026-03-01T00:00:00Z"))
            .unwrap();
        assert_eq!((out.new, out.stale), (0, 0));
        assert_eq!(out.updated, 1, "the 16214 scores went back");
        assert_eq!(wb.vuln_finding(ssl.id).unwrap().unwrap().stale_since, None);
        assert_eq!(wb.vuln_findings().unwrap().len(), 2);
    }

    #[test]
    fn dismissing_needs_a_reason_and_unknown_ids_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path());
        let dev = device(&mut wb);
        wb.record_matches(dev, &[found("CVE-2020-16214", None)], Utc::now())
            .unwrap();
        let id = wb.vuln_findings().unwrap()[0].id;
        let err = wb.set_finding_state(&[id], FindingState::Dismissed, Some("  "));
        assert!(matches!(err, Err(WorkbookError::Invalid(m)) if m.contains("reason")));
        let err = wb.set_finding_state(&[id, 999], FindingState::Confirmed, None);
        assert!(matches!(err, Err(WorkbookError::Invalid(m)) if m.contains("F-0999")));
        assert_eq!(
            wb.vuln_finding(id).unwrap().unwrap().state,
            FindingState::Suggested,
            "all or nothing"
        );
        assert!(wb.finding_risk_entries().unwrap().is_empty());
    }

    #[test]
    fn confirming_opens_a_register_entry_and_undo_takes_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path());
        let dev = device(&mut wb);
        let mut kev = found("CVE-2017-0144", Some(("Windows SMBv1", "6.1")));
        kev.kev = Some(KevEntry {
            cve: "CVE-2017-0144".into(),
            due_date: "2022-05-03".parse().ok(),
            ransomware: "Known".into(),
            ..KevEntry::default()
        });
        wb.record_matches(dev, &[found("CVE-2020-16214", None), kev], Utc::now())
            .unwrap();
        let ids: Vec<i64> = wb.vuln_findings().unwrap().iter().map(|f| f.id).collect();
        assert!(
            Register::load(&wb).unwrap().findings.is_empty(),
            "suggested is no risk"
        );

        let done = wb
            .set_finding_state(&ids, FindingState::Confirmed, Some("seen on the device"))
            .unwrap();
        assert!(done.iter().all(|f| f.state == FindingState::Confirmed));
        let entries = wb.finding_risk_entries().unwrap();
        assert_eq!(entries.len(), 2);
        let today = chrono::Local::now().date_naive();
        assert!(entries.values().all(|e| e.identified_on == Some(today)));

        // The entries are edited like any other risk.
        let input = super::super::RiskEntryInput {
            owner: Some("Biomed".into()),
            ..Default::default()
        };
        let e = wb.set_finding_risk_entry(ids[1], &input).unwrap();
        assert_eq!(e.owner, "Biomed");
        assert_eq!(e.finding_id, Some(ids[1]));
        assert_eq!(
            wb.next_undo().unwrap().unwrap().label,
            format!("risk {} owner", format_finding_id(ids[1]))
        );
        wb.undo().unwrap();
        assert_eq!(wb.finding_risk_entries().unwrap()[&ids[1]].owner, "");

        // Undo the confirmation: back to Suggested, the entries gone, the register empty.
        let step = wb.undo().unwrap().unwrap();
        assert!(step.label.ends_with("confirm"), "{}", step.label);
        assert!(wb.finding_risk_entries().unwrap().is_empty());
        assert!(
            wb.vuln_findings()
                .unwrap()
                .iter()
                .all(|f| f.state == FindingState::Suggested && f.note.is_empty())
        );
        wb.redo().unwrap();
        assert_eq!(wb.finding_risk_entries().unwrap().len(), 2);

        // Answer entries and finding entries live side by side under the same control.
        let answers = wb.risk_entries().unwrap();
        assert!(answers.is_empty(), "finding entries are not answer entries");
    }

    #[test]
    fn undoing_a_decision_keeps_the_newer_match_facts() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path());
        let dev = device(&mut wb);
        wb.record_matches(dev, &[found("CVE-2020-16214", None)], Utc::now())
            .unwrap();
        let id = wb.vuln_findings().unwrap()[0].id;
        wb.set_finding_state(&[id], FindingState::Confirmed, None)
            .unwrap();
        let mut newer = found("CVE-2020-16214", None);
        newer.reason = "model + version in range (<= B.07)".into();
        wb.record_matches(dev, &[newer], Utc::now()).unwrap();
        wb.undo().unwrap();
        let f = wb.vuln_finding(id).unwrap().unwrap();
        assert_eq!(f.state, FindingState::Suggested);
        assert_eq!(f.found.reason, "model + version in range (<= B.07)");
        wb.redo().unwrap();
        let f = wb.vuln_finding(id).unwrap().unwrap();
        assert_eq!(f.state, FindingState::Confirmed);
        assert_eq!(f.found.reason, "model + version in range (<= B.07)");
    }

    #[test]
    fn rating_overrides_the_suggested_likelihood() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path());
        let dev = device(&mut wb);
        wb.record_matches(dev, &[found("CVE-2020-16214", None)], Utc::now())
            .unwrap();
        let f = &wb.vuln_findings().unwrap()[0];
        assert_eq!(f.likelihood(), (3, true), "adjacent vector");
        assert!(wb.rate_finding(f.id, Some(6), None).is_err());
        let rated = wb.rate_finding(f.id, Some(2), Some(4)).unwrap();
        assert_eq!(rated.likelihood(), (2, false));
        assert_eq!(rated.rated_impact, Some(4));
    }
}
