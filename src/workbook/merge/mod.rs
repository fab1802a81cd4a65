//! `medsec merge`: bring another assessor's copy of a workbook into this one (PRODUCT.md
//! "Several assessors, one site"; issue 7).
//!
//! [`Workbook::plan_merge`] compares every row of both workbooks by the audit trail's stable keys
//! (`device:<uuid>`, `answer:<target>:<control>`, ...), field by field, and decides each
//! difference from the two audit chains (see `history`): a field changed only by theirs since
//! the copies diverged is taken, one changed only by ours is kept, one changed by both (or by
//! neither, or in workbooks with different IDs, which share no history) is a conflict. Devices
//! are matched by UUID, then serial number with manufacturer, asset tag, MAC address, IP address
//! with hostname or IP address alone (see `devices`); a device
//! only in theirs is added under the next free DEV number. Rows only in theirs (answers, risk
//! entries, evidence with its bytes, findings, SBOMs, MDS2 documents) are added; a row one side
//! removed (a cleared answer) merges like its fields. For each feed (kind + name) the newer
//! feed date wins. The risk grid and the evidence limit merge like fields.
//!
//! [`Workbook::merge`] applies a plan with one choice per conflict in one transaction and one
//! undo step (`merge FILE (N changes)`): theirs' audit entries that ours lacks are appended first
//! (keeping their IDs, times, actors and origins), then one `merge` entry naming both heads and
//! listing every field the merge changed. Findings are matched again afterwards when feeds were
//! taken (an audited `findings` entry of its own, as after any feed import).

mod apply;
mod devices;
mod history;
mod plan;
mod rows;

use std::path::PathBuf;

use serde::Serialize;
use serde_json::{Map, Value};

pub use devices::MatchedBy;

use super::audit::AuditHead;
use super::snapshot::Table;

/// Which workbook a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The open workbook (`-w`).
    Ours,
    /// The other workbook being merged in.
    Theirs,
}

/// One side's value of a field and, when known, who set it and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideValue {
    /// The value (`null` = empty, or the row does not exist on that side).
    pub value: Value,
    /// Who set it: the answer's assessor, else the actor of the side's last audit entry that
    /// changed it (`""` when unknown).
    pub by: String,
    /// When (RFC 3339 UTC; `""` when unknown).
    pub at: String,
}

impl SideValue {
    /// The value as one short line: `(empty)` for nothing, text with control characters made
    /// visible and clipped to `max` characters (ending with `…`).
    pub fn text(&self, max: usize) -> String {
        value_text(&self.value, max)
    }

    /// `by WHO, AT` (or the part that is known; `""` when neither is).
    pub fn who_when(&self) -> String {
        let by = crate::device::fields::printable(&self.by);
        match (by.is_empty(), self.at.is_empty()) {
            (true, true) => String::new(),
            (false, true) => format!("by {by}"),
            (true, false) => self.at.clone(),
            (false, false) => format!("by {by}, {}", self.at),
        }
    }
}

/// A value as one short line: `(empty)`, text with control characters made visible and clipped
/// to `max` characters.
pub fn value_text(v: &Value, max: usize) -> String {
    let text = match v {
        Value::Null => return "(empty)".to_string(),
        Value::String(s) if s.is_empty() => return "(empty)".to_string(),
        Value::String(s) => s.replace('\n', " "),
        other => other.to_string(),
    };
    super::audit::clipped(&text, max)
}

/// A field that differs between the two workbooks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDiff {
    /// `device`, `answer`, `risk_entry`, `attachment`, `vuln_finding`, `sbom`,
    /// `mds2_document` or `assessment`.
    pub entity: String,
    /// The row's stable key (see `workbook::audit`).
    pub key: String,
    /// The row as people name it, e.g. `DEV-0003 ENC-01`.
    pub subject: String,
    /// The catalog control, if any.
    pub control: Option<String>,
    /// The column, e.g. `response`, `serial_number`, `owner`.
    pub field: String,
    /// Ours.
    pub ours: SideValue,
    /// Theirs.
    pub theirs: SideValue,
}

/// A device of theirs matched to one of ours by something other than its UUID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceMatch {
    /// Its short ID in theirs (`DEV-0004`).
    pub theirs: String,
    /// Its short ID in ours.
    pub ours: String,
    /// Its name (ours).
    pub name: String,
    /// What matched.
    pub by: MatchedBy,
}

/// A device only in theirs, added to ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddedDevice {
    /// Its short ID in theirs.
    pub theirs: String,
    /// The short ID it gets in ours (the next free number; may differ from theirs).
    pub ours: String,
    /// Its name.
    pub name: String,
}

/// A row only in theirs (other than a device), added to ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddedRow {
    /// `answer`, `risk_entry`, `attachment`, `vuln_finding`, `sbom` or `mds2_document`.
    pub entity: String,
    /// As people name it (with theirs' DEV number for a device added by the merge).
    pub subject: String,
    /// A risk entry added: the Risk ID it gets in ours (`R-0210`; a Risk ID is the row ID, so
    /// it may differ from theirs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_id: Option<String>,
    /// A risk entry added: its Risk ID in theirs, when that differs from [`Self::risk_id`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theirs_risk_id: Option<String>,
}

/// A row of ours that theirs removed (a cleared answer or risk entry), removed by the merge.
pub type RemovedRow = AddedRow;

/// A feed document of theirs newer than ours (or that ours lacks), taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedTaken {
    /// `KEV`, `CSAF`, `NVD`, `CVE` or `VEX`.
    pub kind: String,
    /// `KEV`, an advisory ID or a CVE ID.
    pub name: String,
    /// Ours' feed date (ISO date), if ours has it.
    pub ours_date: Option<String>,
    /// Theirs' feed date (ISO date).
    pub theirs_date: String,
}

/// What a merge would do, from [`Workbook::plan_merge`]; apply it with [`Workbook::merge`].
#[derive(Debug, Clone, Default)]
pub struct MergePlan {
    /// The other workbook's file.
    pub other: PathBuf,
    /// Whether the two workbooks share a workbook ID (copies of one workbook). Without it there
    /// is no common history and every differing field is a conflict.
    pub related: bool,
    /// Ours' audit head before the merge.
    pub ours_head: AuditHead,
    /// Theirs' audit head.
    pub theirs_head: AuditHead,
    /// How many of theirs' audit entries ours lacks (appended by the merge).
    pub entries: usize,
    /// Devices matched by UUID (copies of one device).
    pub matched_by_uuid: usize,
    /// Devices matched by serial number, asset tag, MAC address or IP address.
    pub matched: Vec<DeviceMatch>,
    /// Devices only in theirs, added.
    pub added_devices: Vec<AddedDevice>,
    /// Other rows only in theirs, added.
    pub added: Vec<AddedRow>,
    /// Rows theirs removed and ours did not change, removed.
    pub removed: Vec<RemovedRow>,
    /// Fields changed only by theirs: taken.
    pub taken: Vec<FieldDiff>,
    /// Fields changed only by ours that differ: kept.
    pub kept: Vec<FieldDiff>,
    /// Fields changed by both (or by neither, or workbooks without a common history): each
    /// needs a [`Side`].
    pub conflicts: Vec<FieldDiff>,
    /// Feed documents taken from theirs.
    pub feeds: Vec<FeedTaken>,
    work: Vec<plan::RowWork>,
    append: Vec<super::audit::AuditEntry>,
    uuid_map: std::collections::HashMap<String, String>,
}

impl MergePlan {
    /// How many changes the merge makes to ours, with `theirs` conflicts resolved for theirs:
    /// fields taken, rows added or removed, feeds taken.
    pub fn changes(&self, theirs_chosen: usize) -> usize {
        self.taken.len()
            + theirs_chosen
            + self.added_devices.len()
            + self.added.len()
            + self.removed.len()
            + self.feeds.len()
    }

    /// Whether merging changes nothing at all (no field, row, feed or audit entry to bring in).
    pub fn is_empty(&self) -> bool {
        self.changes(self.conflicts.len()) == 0 && self.entries == 0
    }
}

/// What [`Workbook::merge`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeOutcome {
    /// Changes made (fields taken, rows added or removed, feeds taken).
    pub changes: usize,
    /// Theirs' audit entries appended to ours.
    pub entries: usize,
    /// Conflicts resolved for ours.
    pub kept_ours: usize,
    /// Conflicts resolved for theirs.
    pub took_theirs: usize,
    /// Ours' audit head after the merge.
    pub head: AuditHead,
}

/// A row of either side as read for merging (full columns).
type Columns = Map<String, Value>;

/// The entity name of a row of `table`, or `assessment` for settings.
fn entity(table: Option<Table>) -> &'static str {
    table.map_or("assessment", Table::name)
}
