//! Risk register entries: treatment, planned actions, owner, due date, status, residual rating,
//! acceptance and review of one finding, kept per (target, control) beside its answer (PRODUCT.md:
//! they live on the register entry, not on the answer); and the workbook's level grid.

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::snapshot::RowKey;
use super::targets::{target_columns, target_name, target_of};
use super::{TxError, Workbook, WorkbookError, now_utc};
use crate::assessment::{Target, check_text_limit};
use crate::device::fields::clean_text;
use crate::risk::{RiskGrid, RiskStatus, Treatment};

/// The register entry of one finding (TEMPLATE.md "Risk Register").
#[derive(Debug, Clone, PartialEq)]
pub struct RiskEntry {
    /// The entry's row ID, stable for the workbook's life (0 = not stored yet): the number of
    /// its Risk ID, `R-0012` (see [`RiskEntry::risk_id`]).
    pub id: i64,
    /// How the risk is treated; `None` = not decided yet.
    pub treatment: Option<Treatment>,
    /// What will be done (free text, may span lines).
    pub planned_actions: String,
    /// Who is responsible for treating it (free text, one line; `""` = nobody yet).
    pub owner: String,
    /// The due date set by hand (years 1900–9999; `None` = no due date). Used only when
    /// `due_default` is false.
    pub due_date: Option<NaiveDate>,
    /// True (the default) = the due date follows the level: first identified + the level's
    /// default days (TEMPLATE.md "Default due dates"); see `risk::register::Finding::due_date`.
    pub due_default: bool,
    /// Where it stands; a new entry is `Open`.
    pub status: RiskStatus,
    /// Residual likelihood after treatment, 1–5.
    pub residual_likelihood: Option<u8>,
    /// Residual impact after treatment, 1–5.
    pub residual_impact: Option<u8>,
    /// Who accepted the risk (one line).
    pub accepted_by: String,
    /// Why it was accepted.
    pub acceptance_note: String,
    /// When it was accepted.
    pub accepted_on: Option<NaiveDate>,
    /// When an accepted risk (or exception) must be looked at again; past it, it is expired.
    pub review_date: Option<NaiveDate>,
    /// The local date the answer first became a finding (`None` for findings recorded before
    /// medsec kept it: the answer's assessed-on date stands in).
    pub identified_on: Option<NaiveDate>,
    /// The row ID of the vulnerability finding this entry registers (its Finding ID,
    /// `F-0001`); `None` = the entry of an answer, keyed by its target and control.
    pub finding_id: Option<i64>,
}

impl Default for RiskEntry {
    fn default() -> Self {
        RiskEntry {
            id: 0,
            treatment: None,
            planned_actions: String::new(),
            owner: String::new(),
            due_date: None,
            due_default: true,
            status: RiskStatus::Open,
            residual_likelihood: None,
            residual_impact: None,
            accepted_by: String::new(),
            acceptance_note: String::new(),
            accepted_on: None,
            review_date: None,
            identified_on: None,
            finding_id: None,
        }
    }
}

impl RiskEntry {
    /// The Risk ID shown in the register, the CLI and the sheets: `R-` and the row ID, at least
    /// four digits (`R-0012`); `None` when the entry is not stored yet.
    pub fn risk_id(&self) -> Option<String> {
        (self.id > 0).then(|| format!("R-{:04}", self.id))
    }

    /// Reads a Risk ID (`R-0012`, `r-12`, `12`) back to the row ID.
    pub fn parse_risk_id(text: &str) -> Option<i64> {
        let t = text.trim();
        let digits = t
            .strip_prefix("R-")
            .or_else(|| t.strip_prefix("r-"))
            .unwrap_or(t);
        digits.parse().ok().filter(|n| *n > 0)
    }
}

/// How to set a due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Follow the level (TEMPLATE.md "Default due dates").
    Default,
    /// No due date.
    None,
    /// This date (years 1900–9999).
    On(NaiveDate),
}

impl Due {
    /// Reads `default` (or `""`), `none`, or a date as the CLI and the TUI accept dates
    /// (`YYYY-MM-DD`, `DD/MM/YYYY`, …).
    ///
    /// Errors: a message naming the text when it is none of these.
    pub fn parse(text: &str) -> Result<Due, String> {
        let t = text.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("default") {
            return Ok(Due::Default);
        }
        if t.eq_ignore_ascii_case("none") {
            return Ok(Due::None);
        }
        crate::device::fields::parse_date(t)
            .map(Due::On)
            .ok_or_else(|| format!("{t:?} is not a date (YYYY-MM-DD), \"default\" or \"none\""))
    }
}

/// What to change on a risk register entry; `None` keeps the stored value (or the default of a
/// new entry: nothing decided, Open, due date by level).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskEntryInput {
    /// `Some(None)` clears the treatment.
    pub treatment: Option<Option<Treatment>>,
    /// New planned actions (`Some("")` clears).
    pub planned_actions: Option<String>,
    /// New owner (`Some("")` clears).
    pub owner: Option<String>,
    /// New due date.
    pub due: Option<Due>,
    /// New status.
    pub status: Option<RiskStatus>,
    /// `Some(None)` clears; values 1–5.
    pub residual_likelihood: Option<Option<u8>>,
    /// `Some(None)` clears; values 1–5.
    pub residual_impact: Option<Option<u8>>,
    /// Who accepted it (`Some("")` clears).
    pub accepted_by: Option<String>,
    /// Why (`Some("")` clears).
    pub acceptance_note: Option<String>,
    /// `Some(None)` clears.
    pub accepted_on: Option<Option<NaiveDate>>,
    /// `Some(None)` clears.
    pub review_date: Option<Option<NaiveDate>>,
    /// The date the finding was first identified (default due dates count from it; set when the
    /// answer became a finding). `Some(None)` clears (the answer's assessed-on date stands in).
    pub identified_on: Option<Option<NaiveDate>>,
}

impl RiskEntryInput {
    /// The names of the fields this input sets, in register order (for undo labels).
    pub fn parts(&self) -> Vec<&'static str> {
        [
            self.treatment.map(|_| "treatment"),
            self.planned_actions.as_ref().map(|_| "actions"),
            self.owner.as_ref().map(|_| "owner"),
            self.due.map(|_| "due date"),
            self.status.map(|_| "status"),
            self.residual_likelihood
                .or(self.residual_impact)
                .map(|_| "residual"),
            self.accepted_by
                .as_ref()
                .or(self.acceptance_note.as_ref())
                .map(|_| "acceptance")
                .or(self.accepted_on.map(|_| "acceptance")),
            self.review_date.map(|_| "review date"),
            self.identified_on.map(|_| "identified date"),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

const SELECT: &str = "SELECT target_kind, target_key, device_id, target_label, control_id, owner,
        due_date, status, treatment, planned_actions, residual_likelihood, residual_impact,
        accepted_by, acceptance_note, accepted_on, review_date, identified_on, due_default, id,
        finding_id
        FROM risk_entry";

fn date(text: Option<String>) -> Option<NaiveDate> {
    text.as_deref().and_then(|d| d.parse().ok())
}

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<(Target, String, RiskEntry)> {
    let kind: String = r.get(0)?;
    let key: String = r.get(1)?;
    let status: String = r.get(7)?;
    let treatment: Option<String> = r.get(8)?;
    Ok((
        target_of(&kind, &key, r.get(2)?, r.get(3)?),
        r.get(4)?,
        RiskEntry {
            owner: r.get(5)?,
            due_date: date(r.get(6)?),
            status: RiskStatus::parse(&status).unwrap_or_default(),
            treatment: treatment.as_deref().and_then(Treatment::parse),
            planned_actions: r.get(9)?,
            residual_likelihood: r.get(10)?,
            residual_impact: r.get(11)?,
            accepted_by: r.get(12)?,
            acceptance_note: r.get(13)?,
            accepted_on: date(r.get(14)?),
            review_date: date(r.get(15)?),
            identified_on: date(r.get(16)?),
            due_default: r.get(17)?,
            id: r.get(18)?,
            finding_id: r.get(19)?,
        },
    ))
}

pub(super) fn risk_entry_in(
    conn: &Connection,
    target: &Target,
    control_id: &str,
) -> rusqlite::Result<Option<RiskEntry>> {
    let (kind, key, _, _) = target_columns(target);
    let sql = format!(
        "{SELECT} WHERE target_kind = ?1 AND target_key = ?2 AND control_id = ?3 \
         AND finding_id IS NULL"
    );
    conn.prepare_cached(&sql)?
        .query_row(params![kind, key, control_id], entry_from_row)
        .optional()
        .map(|r| r.map(|(_, _, e)| e))
}

/// Writes `entry` for (target, control), inserting or replacing the stored row. The caller notes
/// the row with the recorder first.
pub(super) fn store_risk_entry(
    conn: &Connection,
    target: &Target,
    control_id: &str,
    entry: &RiskEntry,
) -> rusqlite::Result<()> {
    let (kind, key, label, device_id) = target_columns(target);
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    conn.prepare_cached(
        "INSERT INTO risk_entry (target_kind, target_key, target_label, device_id, control_id,
             owner, due_date, status, updated_at, treatment, planned_actions,
             residual_likelihood, residual_impact, accepted_by, acceptance_note, accepted_on,
             review_date, identified_on, due_default)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19)
         ON CONFLICT (target_kind, target_key, control_id) WHERE finding_id IS NULL
         DO UPDATE SET
             owner = excluded.owner, due_date = excluded.due_date,
             status = excluded.status, updated_at = excluded.updated_at,
             treatment = excluded.treatment, planned_actions = excluded.planned_actions,
             residual_likelihood = excluded.residual_likelihood,
             residual_impact = excluded.residual_impact, accepted_by = excluded.accepted_by,
             acceptance_note = excluded.acceptance_note, accepted_on = excluded.accepted_on,
             review_date = excluded.review_date, identified_on = excluded.identified_on,
             due_default = excluded.due_default",
    )?
    .execute(params![
        kind,
        key,
        label,
        device_id,
        control_id,
        entry.owner,
        day(entry.due_date),
        entry.status.label(),
        now_utc(),
        entry.treatment.map(Treatment::label),
        entry.planned_actions,
        entry.residual_likelihood,
        entry.residual_impact,
        entry.accepted_by,
        entry.acceptance_note,
        day(entry.accepted_on),
        day(entry.review_date),
        day(entry.identified_on),
        entry.due_default,
    ])
    .map(|_| ())
}

/// The register entry of the vulnerability finding with row ID `finding_id`, if stored.
pub(super) fn finding_risk_entry_in(
    conn: &Connection,
    finding_id: i64,
) -> rusqlite::Result<Option<RiskEntry>> {
    conn.prepare_cached(&format!("{SELECT} WHERE finding_id = ?1"))?
        .query_row(params![finding_id], entry_from_row)
        .optional()
        .map(|r| r.map(|(_, _, e)| e))
}

/// Every register entry of a vulnerability finding, by finding row ID.
pub(super) fn finding_risk_entries_in(
    conn: &Connection,
) -> rusqlite::Result<std::collections::HashMap<i64, RiskEntry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE finding_id IS NOT NULL ORDER BY id"
    ))?;
    let rows = stmt.query_map([], entry_from_row)?;
    let mut out = std::collections::HashMap::new();
    for row in rows {
        let (_, _, e) = row?;
        if let Some(f) = e.finding_id {
            out.insert(f, e);
        }
    }
    Ok(out)
}

/// Writes the register entry of a vulnerability finding (on its device, under its control:
/// `VULN-02` when KEV-listed, else `VULN-01`), inserting or replacing it. The caller notes the
/// row with the recorder first.
pub(super) fn store_finding_risk_entry(
    conn: &Connection,
    finding: &super::findings::VulnFinding,
    entry: &RiskEntry,
) -> rusqlite::Result<()> {
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    let params = params![
        "device",
        finding.device_id.to_string(),
        finding.device_id,
        finding.control_id(),
        entry.owner,
        day(entry.due_date),
        entry.status.label(),
        now_utc(),
        entry.treatment.map(Treatment::label),
        entry.planned_actions,
        entry.residual_likelihood,
        entry.residual_impact,
        entry.accepted_by,
        entry.acceptance_note,
        day(entry.accepted_on),
        day(entry.review_date),
        day(entry.identified_on),
        entry.due_default,
        finding.id,
    ];
    conn.prepare_cached(
        "INSERT INTO risk_entry (target_kind, target_key, device_id, control_id,
             owner, due_date, status, updated_at, treatment, planned_actions,
             residual_likelihood, residual_impact, accepted_by, acceptance_note, accepted_on,
             review_date, identified_on, due_default, finding_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19)
         ON CONFLICT (finding_id) WHERE finding_id IS NOT NULL DO UPDATE SET
             control_id = excluded.control_id,
             owner = excluded.owner, due_date = excluded.due_date,
             status = excluded.status, updated_at = excluded.updated_at,
             treatment = excluded.treatment, planned_actions = excluded.planned_actions,
             residual_likelihood = excluded.residual_likelihood,
             residual_impact = excluded.residual_impact, accepted_by = excluded.accepted_by,
             acceptance_note = excluded.acceptance_note, accepted_on = excluded.accepted_on,
             review_date = excluded.review_date, identified_on = excluded.identified_on,
             due_default = excluded.due_default",
    )?
    .execute(params)
    .map(|_| ())
}

fn one_line(text: &str) -> String {
    clean_text(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_year(name: &str, d: Option<NaiveDate>) -> Result<(), WorkbookError> {
    match d {
        Some(d) if !(1900..=9999).contains(&d.year()) => Err(WorkbookError::Invalid(format!(
            "the {name} {d} is outside the years 1900–9999"
        ))),
        _ => Ok(()),
    }
}

/// Applies `input` to `entry` after validating it; `today` fills the acceptance date of a newly
/// accepted risk.
///
/// Errors: `Invalid` (text too long, rating outside 1–5, date out of range, an accepted risk
/// without who accepted it or without a note).
pub(super) fn apply(
    entry: &mut RiskEntry,
    input: &RiskEntryInput,
    today: NaiveDate,
) -> Result<(), WorkbookError> {
    let invalid = WorkbookError::Invalid;
    for (name, v) in [
        ("residual likelihood", input.residual_likelihood),
        ("residual impact", input.residual_impact),
    ] {
        if let Some(Some(v)) = v
            && !(1..=5).contains(&v)
        {
            return Err(invalid(format!(
                "the {name} must be a whole number from 1 to 5, not {v}"
            )));
        }
    }
    if let Some(Due::On(d)) = input.due {
        check_year("due date", Some(d))?;
    }
    check_year("acceptance date", input.accepted_on.flatten())?;
    check_year("review date", input.review_date.flatten())?;
    check_year("identified date", input.identified_on.flatten())?;
    let line = |name: &str, v: &Option<String>| -> Result<Option<String>, WorkbookError> {
        v.as_deref()
            .map(|t| {
                let t = one_line(t);
                check_text_limit(name, &t).map(|()| t).map_err(invalid)
            })
            .transpose()
    };
    let text = |name: &str, v: &Option<String>| -> Result<Option<String>, WorkbookError> {
        v.as_deref()
            .map(|t| {
                let t = clean_text(t).trim().to_string();
                check_text_limit(name, &t).map(|()| t).map_err(invalid)
            })
            .transpose()
    };
    if let Some(o) = line("owner", &input.owner)? {
        entry.owner = o;
    }
    if let Some(a) = line("accepted by", &input.accepted_by)? {
        entry.accepted_by = a;
    }
    if let Some(a) = text("planned actions", &input.planned_actions)? {
        entry.planned_actions = a;
    }
    if let Some(a) = text("acceptance note", &input.acceptance_note)? {
        entry.acceptance_note = a;
    }
    if let Some(t) = input.treatment {
        entry.treatment = t;
    }
    match input.due {
        Some(Due::Default) => {
            entry.due_default = true;
            entry.due_date = None;
        }
        Some(Due::None) => {
            entry.due_default = false;
            entry.due_date = None;
        }
        Some(Due::On(d)) => {
            entry.due_default = false;
            entry.due_date = Some(d);
        }
        None => {}
    }
    if let Some(s) = input.status {
        entry.status = s;
    }
    if let Some(l) = input.residual_likelihood {
        entry.residual_likelihood = l;
    }
    if let Some(i) = input.residual_impact {
        entry.residual_impact = i;
    }
    if let Some(d) = input.accepted_on {
        entry.accepted_on = d;
    }
    if let Some(d) = input.review_date {
        entry.review_date = d;
    }
    if let Some(d) = input.identified_on {
        entry.identified_on = d;
    }
    if input.accepted_on.is_some()
        && let Some(d) = entry.accepted_on.filter(|d| *d > today)
    {
        return Err(invalid(format!(
            "the acceptance date {d} is in the future (today is {today})"
        )));
    }
    if (input.residual_likelihood.is_some() || input.residual_impact.is_some())
        && entry.residual_likelihood.is_some() != entry.residual_impact.is_some()
    {
        return Err(invalid(
            "a residual rating needs both the residual likelihood and the residual impact \
             (1–5 each), or neither"
                .to_string(),
        ));
    }
    if input.identified_on.is_some()
        && let Some(d) = entry.identified_on.filter(|d| *d > today)
    {
        return Err(invalid(format!(
            "the identified date {d} is in the future (today is {today})"
        )));
    }
    if (input.review_date.is_some() || input.accepted_on.is_some())
        && let (Some(on), Some(review)) = (entry.accepted_on, entry.review_date)
        && review < on
    {
        return Err(invalid(format!(
            "the review date {review} is before the acceptance date {on}"
        )));
    }
    if entry.treatment == Some(Treatment::Accept) {
        if entry.accepted_by.is_empty() {
            return Err(invalid(
                "accepting a risk needs who accepted it (accepted by)".to_string(),
            ));
        }
        if entry.acceptance_note.is_empty() {
            return Err(invalid(
                "accepting a risk needs a note saying why (acceptance note)".to_string(),
            ));
        }
        if entry.accepted_on.is_none() {
            entry.accepted_on = Some(today);
        }
    }
    Ok(())
}

impl Workbook {
    /// Every stored entry of an answer: (target, control ID, entry), in the order they were
    /// first set. Entries whose answer is no longer a finding are kept (and ignored by the
    /// register). The entries of vulnerability findings are [`Workbook::finding_risk_entries`].
    ///
    /// Errors: `Sqlite`.
    pub fn risk_entries(&self) -> Result<Vec<(Target, String, RiskEntry)>, WorkbookError> {
        let mut entries = Vec::with_capacity(self.risk_entry_count()?);
        self.for_each_risk_entry(|target, control_id, entry| {
            entries.push((target, control_id, entry))
        })?;
        Ok(entries)
    }

    /// [`Workbook::risk_entries`] one at a time, in the same order, without holding them all
    /// (a 10,000-device workbook may hold 80,000).
    ///
    /// Errors: `Sqlite`.
    pub fn for_each_risk_entry(
        &self,
        mut each: impl FnMut(Target, String, RiskEntry),
    ) -> Result<(), WorkbookError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE finding_id IS NULL ORDER BY id"))
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], entry_from_row)
            .map_err(|e| self.sql(e))?;
        for row in rows {
            let (target, control_id, entry) = row.map_err(|e| self.sql(e))?;
            each(target, control_id, entry);
        }
        Ok(())
    }

    /// How many entries [`Workbook::risk_entries`] returns.
    ///
    /// Errors: `Sqlite`.
    pub fn risk_entry_count(&self) -> Result<usize, WorkbookError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM risk_entry WHERE finding_id IS NULL",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(|e| self.sql(e))
    }

    /// The entry stored on exactly this target for this control (`None` = never set).
    ///
    /// Errors: `Sqlite`.
    pub fn risk_entry(
        &self,
        target: &Target,
        control_id: &str,
    ) -> Result<Option<RiskEntry>, WorkbookError> {
        risk_entry_in(&self.conn, target, control_id).map_err(|e| self.sql(e))
    }

    /// Changes a register entry, committed at once, one undo step labelled with what the input
    /// sets (e.g. `risk DEV-0003 ENC-01 owner, status`). Owner and accepted-by are cleaned like
    /// notes (characters a spreadsheet cannot hold removed) and put on one line; planned actions
    /// and the acceptance note keep their lines; each is limited to 32,767 UTF-16 units. Dates
    /// lie in the years 1900–9999; residual ratings are 1–5. A risk treated by `Accept` needs who
    /// accepted it and an acceptance note (PRODUCT.md); its acceptance date defaults to today
    /// (local). The entry is kept even when set back to its defaults. Returns the stored entry.
    ///
    /// Errors: `Invalid` (unknown control, any rule above), `Sqlite`.
    pub fn set_risk_entry(
        &mut self,
        target: &Target,
        control_id: &str,
        input: &RiskEntryInput,
    ) -> Result<RiskEntry, WorkbookError> {
        if self.catalog().control(control_id).is_none() {
            return Err(WorkbookError::Invalid(format!(
                "no control {control_id} in the catalog"
            )));
        }
        let mut entry = self.risk_entry(target, control_id)?.unwrap_or_default();
        apply(&mut entry, input, chrono::Local::now().date_naive())?;
        self.recorded(move |tx, rec| {
            rec.touch(tx, RowKey::risk_entry(target, control_id))?;
            store_risk_entry(tx, target, control_id, &entry)?;
            if let Some(stored) = risk_entry_in(tx, target, control_id)? {
                entry.id = stored.id;
            }
            let parts = input.parts();
            let mut step = format!("risk {} {control_id}", target_name(tx, target)?);
            if !parts.is_empty() {
                step = format!("{step} {}", parts.join(", "));
            }
            Ok::<_, TxError>((entry, step))
        })
    }

    /// Changes the register entry of the vulnerability finding with row ID `finding_id`, as
    /// [`Workbook::set_risk_entry`] changes an answer's (same rules), one undo step labelled
    /// e.g. `risk F-0003 owner`. The finding need not be confirmed (its entry is then kept but
    /// out of the register).
    ///
    /// Errors: `Invalid` (no such finding, any rule of `set_risk_entry`), `Sqlite`.
    pub fn set_finding_risk_entry(
        &mut self,
        finding_id: i64,
        input: &RiskEntryInput,
    ) -> Result<RiskEntry, WorkbookError> {
        let Some(finding) = self.vuln_finding(finding_id)? else {
            return Err(WorkbookError::Invalid(format!(
                "no finding {}",
                super::findings::format_finding_id(finding_id)
            )));
        };
        let mut entry = finding_risk_entry_in(&self.conn, finding_id)
            .map_err(|e| self.sql(e))?
            .unwrap_or_default();
        apply(&mut entry, input, chrono::Local::now().date_naive())?;
        self.recorded(move |tx, rec| {
            rec.touch(tx, RowKey::finding_risk(finding_id))?;
            store_finding_risk_entry(tx, &finding, &entry)?;
            let stored = finding_risk_entry_in(tx, finding_id)?.unwrap_or(entry);
            let parts = input.parts();
            let mut step = format!("risk {}", finding.finding_id());
            if !parts.is_empty() {
                step = format!("{step} {}", parts.join(", "));
            }
            Ok::<_, TxError>((stored, step))
        })
    }

    /// Changes many register entries in ONE transaction and ONE undo step labelled `label`,
    /// each as [`Workbook::set_risk_entry`] would. All or nothing. Returns the stored entries in
    /// order.
    ///
    /// Errors: `Invalid` (as `set_risk_entry`, prefixed with the control), `Sqlite`.
    pub fn set_risk_entries(
        &mut self,
        items: &[(Target, String, RiskEntryInput)],
        label: &str,
    ) -> Result<Vec<RiskEntry>, WorkbookError> {
        let today = chrono::Local::now().date_naive();
        let catalog = self.catalog();
        self.recorded(|tx, rec| {
            let mut out = Vec::with_capacity(items.len());
            for (target, control_id, input) in items {
                if catalog.control(control_id).is_none() {
                    return Err(TxError::Invalid(format!(
                        "no control {control_id} in the catalog"
                    )));
                }
                let mut entry = risk_entry_in(tx, target, control_id)?.unwrap_or_default();
                apply(&mut entry, input, today).map_err(|e| match e {
                    WorkbookError::Invalid(m) => TxError::Invalid(format!("{control_id}: {m}")),
                    other => TxError::Invalid(other.to_string()),
                })?;
                rec.touch(tx, RowKey::risk_entry(target, control_id))?;
                store_risk_entry(tx, target, control_id, &entry)?;
                if let Some(stored) = risk_entry_in(tx, target, control_id)? {
                    entry.id = stored.id;
                }
                out.push(entry);
            }
            Ok((out, label.to_string()))
        })
    }

    /// The entry with this row ID (see [`RiskEntry::parse_risk_id`]), with its target and
    /// control; `None` when there is none. The entry of a vulnerability finding has
    /// [`RiskEntry::finding_id`] set.
    ///
    /// Errors: `Sqlite`.
    pub fn risk_entry_by_id(
        &self,
        id: i64,
    ) -> Result<Option<(Target, String, RiskEntry)>, WorkbookError> {
        self.conn
            .prepare_cached(&format!("{SELECT} WHERE id = ?1"))
            .and_then(|mut s| s.query_row(params![id], entry_from_row).optional())
            .map_err(|e| self.sql(e))
    }

    /// The workbook's level grid (NIST SP 800-30 Rev. 1 Table I-2 unless edited).
    pub fn risk_grid(&self) -> RiskGrid {
        self.meta.risk_grid
    }

    /// Replaces the level grid, committed at once. Not an undo step: set the old grid back
    /// (`RiskGrid::default()` is NIST's).
    ///
    /// Errors: `Sqlite`.
    pub fn set_risk_grid(&mut self, grid: RiskGrid) -> Result<(), WorkbookError> {
        let old = self.meta.risk_grid.to_text();
        let new = grid.to_text();
        if old == new {
            return Ok(());
        }
        let mut entry = self.new_entry("settings", "risk level grid changed", Vec::new());
        entry.changes.push(super::audit::setting_change(
            "assessment",
            "assessment",
            "risk_grid",
            old.into(),
            new.clone().into(),
        ));
        let tx = self
            .conn
            .transaction()
            .map_err(|e| super::sql(&self.path, e))?;
        tx.execute(
            "UPDATE assessment SET risk_grid = ?1 WHERE id = 1",
            params![new],
        )
        .map_err(|e| super::sql(&self.path, e))?;
        super::audit::append(&tx, entry).map_err(|e| super::sql(&self.path, e))?;
        tx.commit().map_err(|e| super::sql(&self.path, e))?;
        self.meta.risk_grid = grid;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(t: &str) -> NaiveDate {
        t.parse().unwrap_or_default()
    }

    #[test]
    fn accepting_needs_who_and_why_and_dates_itself() {
        let mut e = RiskEntry::default();
        let accept = RiskEntryInput {
            treatment: Some(Some(Treatment::Accept)),
            ..RiskEntryInput::default()
        };
        let err = apply(&mut e, &accept, day("2026-11-29"));
        assert!(matches!(err, Err(WorkbookError::Invalid(m)) if m.contains("accepted by")));
        let with_who = RiskEntryInput {
            accepted_by: Some("  Dr  Ruiz\n(CMIO) ".into()),
            ..accept.clone()
        };
        let err = apply(&mut e, &with_who, day("2026-11-29"));
        assert!(matches!(err, Err(WorkbookError::Invalid(m)) if m.contains("note")));
        let full = RiskEntryInput {
            acceptance_note: Some("Isolated VLAN; replacement budgeted 2027\n".into()),
            review_date: Some(Some(day("2027-06-30"))),
            ..with_who
        };
        assert!(apply(&mut e, &full, day("2026-11-29")).is_ok());
        assert_eq!(e.accepted_by, "Dr Ruiz (CMIO)");
        assert_eq!(
            e.acceptance_note,
            "Isolated VLAN; replacement budgeted 2027"
        );
        assert_eq!(e.accepted_on, Some(day("2026-11-29")));
    }

    #[test]
    fn risk_ids_read_back() {
        let e = RiskEntry {
            id: 12,
            ..RiskEntry::default()
        };
        assert_eq!(e.risk_id().as_deref(), Some("R-0012"));
        assert_eq!(RiskEntry::default().risk_id(), None);
        for t in ["R-0012", " r-12 ", "12"] {
            assert_eq!(RiskEntry::parse_risk_id(t), Some(12), "{t}");
        }
        for t in ["R-", "R-0", "X-12", "-3", ""] {
            assert_eq!(RiskEntry::parse_risk_id(t), None, "{t}");
        }
    }

    #[test]
    fn due_dates_are_default_none_or_a_date() {
        assert_eq!(Due::parse(""), Ok(Due::Default));
        assert_eq!(Due::parse(" Default "), Ok(Due::Default));
        assert_eq!(Due::parse("NONE"), Ok(Due::None));
        assert_eq!(Due::parse("2027-01-15"), Ok(Due::On(day("2027-01-15"))));
        assert!(Due::parse("soon").is_err_and(|m| m.contains("soon")));
        let mut e = RiskEntry::default();
        let set = |due| RiskEntryInput {
            due: Some(due),
            ..RiskEntryInput::default()
        };
        assert!(apply(&mut e, &set(Due::On(day("2027-01-15"))), day("2026-01-01")).is_ok());
        assert_eq!(
            (e.due_default, e.due_date),
            (false, Some(day("2027-01-15")))
        );
        assert!(apply(&mut e, &set(Due::None), day("2026-01-01")).is_ok());
        assert_eq!((e.due_default, e.due_date), (false, None));
        assert!(apply(&mut e, &set(Due::Default), day("2026-01-01")).is_ok());
        assert!(e.due_default);
        let far = set(Due::On(day("1800-01-01")));
        assert!(apply(&mut e, &far, day("2026-01-01")).is_err());
    }

    #[test]
    fn dates_must_make_sense_together() {
        let today = day("2026-11-29");
        let mut e = RiskEntry::default();
        let future = RiskEntryInput {
            identified_on: Some(Some(day("2030-01-01"))),
            ..RiskEntryInput::default()
        };
        let err = apply(&mut e.clone(), &future, today);
        assert!(matches!(err, Err(WorkbookError::Invalid(m)) if m.contains("future")));
        let review_first = RiskEntryInput {
            accepted_on: Some(Some(day("2026-11-29"))),
            review_date: Some(Some(day("2026-01-15"))),
            ..RiskEntryInput::default()
        };
        let err = apply(&mut e, &review_first, today);
        assert!(
            matches!(err, Err(WorkbookError::Invalid(m)) if m.contains("before the acceptance"))
        );
        let fine = RiskEntryInput {
            identified_on: Some(Some(today)),
            accepted_on: Some(Some(day("2026-11-29"))),
            review_date: Some(Some(day("2027-05-31"))),
            ..RiskEntryInput::default()
        };
        assert!(apply(&mut e, &fine, today).is_ok());
        let accepted_later = RiskEntryInput {
            accepted_on: Some(Some(day("2026-12-31"))),
            ..RiskEntryInput::default()
        };
        let err = apply(&mut e.clone(), &accepted_later, today);
        assert!(matches!(err, Err(WorkbookError::Invalid(m)) if m.contains("acceptance date")));
    }

    #[test]
    fn a_residual_rating_is_both_numbers_or_neither() {
        let mut e = RiskEntry::default();
        let half = RiskEntryInput {
            residual_likelihood: Some(Some(2)),
            ..RiskEntryInput::default()
        };
        let err = apply(&mut e.clone(), &half, day("2026-01-01"));
        assert!(matches!(err, Err(WorkbookError::Invalid(m)) if m.contains("both")));
        let both = RiskEntryInput {
            residual_impact: Some(Some(3)),
            ..half
        };
        assert!(apply(&mut e, &both, day("2026-01-01")).is_ok());
        let clear = RiskEntryInput {
            residual_likelihood: Some(None),
            residual_impact: Some(None),
            ..RiskEntryInput::default()
        };
        assert!(apply(&mut e, &clear, day("2026-01-01")).is_ok());
        assert_eq!((e.residual_likelihood, e.residual_impact), (None, None));
    }

    #[test]
    fn residual_ratings_are_1_to_5() {
        let mut e = RiskEntry::default();
        let bad = RiskEntryInput {
            residual_likelihood: Some(Some(6)),
            ..RiskEntryInput::default()
        };
        assert!(apply(&mut e, &bad, day("2026-01-01")).is_err());
        let ok = RiskEntryInput {
            residual_likelihood: Some(Some(2)),
            residual_impact: Some(Some(4)),
            ..RiskEntryInput::default()
        };
        assert!(apply(&mut e, &ok, day("2026-01-01")).is_ok());
        assert_eq!(ok.parts(), vec!["residual"]);
        assert_eq!(
            (e.residual_likelihood, e.residual_impact),
            (Some(2), Some(4))
        );
    }
}
