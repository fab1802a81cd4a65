//! The export workbook's layout as data (TEMPLATE.md): the sheets in order, each tabular sheet's
//! ordered columns, and the validation lists they draw from.
//!
//! Re-aligning the template with another reconstruction of the method means changing these
//! tables, not the writers: a column's header, width, whether the import reads it (read-only
//! columns are shaded grey) and its drop-down list all live here. Formula columns on the control
//! sheets and the risk register are addressed through the `*_COL` constants below, whose headers
//! a unit test pins to the tables.

mod lists;

use std::borrow::Cow;

pub use lists::{ListId, ListValue};

use crate::device::fields::{self, FieldKind};

/// The version of this layout written to `_medsec` (`format_version`). Bump it when a sheet or a
/// column changes meaning, and keep the importer reading older versions.
pub const FORMAT_VERSION: u32 = 1;

/// Name of the very hidden metadata sheet.
pub const META_SHEET: &str = "_medsec";
/// Name of the sheet holding the validation lists.
pub const LISTS_SHEET: &str = "Lists";
/// Name of the risk matrix sheet (holds the `RiskGrid` defined name).
pub const MATRIX_SHEET: &str = "Risk Matrix";
/// Name of the risk register sheet.
pub const REGISTER_SHEET: &str = "Risk Register";
/// Defined name of the 5 × 5 level grid (rows likelihood 5 → 1, columns impact 1 → 5).
pub const RISK_GRID_NAME: &str = "RiskGrid";

/// What a sheet holds, which decides the writer that fills it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetKind {
    /// Metadata, marking and legends.
    Cover,
    /// Counts, heat map, top ten, chart.
    Summary,
    /// One row per device.
    Inventory,
    /// The control sheet of one step (1–8).
    Controls(u8),
    /// One row per vulnerability finding.
    CveFindings,
    /// One row per risk.
    RiskRegister,
    /// Scales and the level grid.
    RiskMatrix,
    /// Imported MDS2 answers.
    Mds2,
    /// The catalog assessed against.
    ControlCatalog,
    /// Validation lists.
    Lists,
    /// Very hidden key/value metadata.
    Meta,
}

/// Every sheet in workbook order (TEMPLATE.md "Sheets, in order"), `_medsec` last.
pub const SHEETS: [(&str, SheetKind); 18] = [
    ("Cover", SheetKind::Cover),
    ("Summary", SheetKind::Summary),
    ("1 Inventory", SheetKind::Inventory),
    ("1 Inventory Checks", SheetKind::Controls(1)),
    ("2 Vulnerability", SheetKind::Controls(2)),
    ("2 CVE Findings", SheetKind::CveFindings),
    ("3 Encryption", SheetKind::Controls(3)),
    ("4 Access Control", SheetKind::Controls(4)),
    ("5 Network Segmentation", SheetKind::Controls(5)),
    ("6 Patch Management", SheetKind::Controls(6)),
    ("7 Incident Response", SheetKind::Controls(7)),
    ("8 Cloud Security", SheetKind::Controls(8)),
    (REGISTER_SHEET, SheetKind::RiskRegister),
    (MATRIX_SHEET, SheetKind::RiskMatrix),
    ("MDS2", SheetKind::Mds2),
    ("Control Catalog", SheetKind::ControlCatalog),
    (LISTS_SHEET, SheetKind::Lists),
    (META_SHEET, SheetKind::Meta),
];

/// One column of a tabular sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header text in row 1, verbatim from TEMPLATE.md.
    pub header: Cow<'static, str>,
    /// Width in Excel character units.
    pub width: f64,
    /// Whether `import workbook` reads the column; the others are shaded grey.
    pub editable: bool,
    /// Hidden column (row keys, UUIDs).
    pub hidden: bool,
    /// Drop-down validation from a column of `Lists`.
    pub list: Option<ListId>,
    /// The list also accepts other values (the validation warns instead of refusing).
    pub open_list: bool,
}

/// A column the import reads.
const fn edit(header: &'static str, width: f64) -> Column {
    Column {
        header: Cow::Borrowed(header),
        width,
        editable: true,
        hidden: false,
        list: None,
        open_list: false,
    }
}

/// A derived or key column the import ignores (shaded grey).
const fn derived(header: &'static str, width: f64) -> Column {
    Column {
        header: Cow::Borrowed(header),
        width,
        editable: false,
        hidden: false,
        list: None,
        open_list: false,
    }
}

impl Column {
    const fn list(mut self, list: ListId) -> Column {
        self.list = Some(list);
        self
    }

    const fn hidden(mut self) -> Column {
        self.hidden = true;
        self
    }
}

/// Columns A–AG of every control sheet (TEMPLATE.md "Control sheets").
pub const CONTROL_COLUMNS: [Column; 33] = [
    derived("Device ID", 14.0),
    derived("Device Name", 28.0),
    derived("Location", 28.0),
    derived("Control ID", 11.0),
    derived("Control Title", 34.0),
    derived("Assessor Question", 60.0),
    derived("Scope", 16.0),
    edit("Response", 11.0).list(ListId::Response),
    edit("Suggested", 24.0),
    edit("Observed Value", 20.0),
    edit("Note", 40.0),
    edit("Evidence Reference", 20.0),
    derived("Attachments", 24.0),
    derived("MDS2 Reference(s)", 20.0),
    derived("Manufacturer Claim (MDS2)", 24.0),
    edit("Answer Source", 14.0).list(ListId::AnswerSource),
    edit("Likelihood (1-5)", 11.0).list(ListId::Scale),
    edit("Impact (1-5)", 11.0).list(ListId::Scale),
    derived("Risk Score", 10.0),
    derived("Risk Level", 12.0),
    edit("Rating", 10.0),
    edit("Recommendation", 36.0),
    derived("Owner", 18.0),
    derived("Due Date", 12.0),
    derived("Status", 12.0),
    edit("Deferred Until", 14.0),
    edit("Deferral Reason", 28.0),
    derived("Assessed By", 18.0),
    derived("Assessed On", 12.0),
    derived("IEC 80001-2-2", 14.0),
    derived("NIST CSF 2.0", 18.0),
    derived("HICP", 16.0),
    derived("Row Key", 40.0).hidden(),
];

/// Control sheet column indices used by formulas, writers and `import workbook` (0-based;
/// A = 0); a unit test pins each to its header.
pub mod ctl {
    /// A: Device ID.
    pub const DEVICE_ID: u16 = 0;
    /// D: Control ID.
    pub const CONTROL_ID: u16 = 3;
    /// H: Response.
    pub const RESPONSE: u16 = 7;
    /// I: Suggested.
    pub const SUGGESTED: u16 = 8;
    /// J: Observed Value.
    pub const OBSERVED: u16 = 9;
    /// K: Note.
    pub const NOTE: u16 = 10;
    /// L: Evidence Reference.
    pub const EVIDENCE_REF: u16 = 11;
    /// P: Answer Source.
    pub const SOURCE: u16 = 15;
    /// Q: Likelihood.
    pub const LIKELIHOOD: u16 = 16;
    /// R: Impact.
    pub const IMPACT: u16 = 17;
    /// S: Risk Score.
    pub const SCORE: u16 = 18;
    /// T: Risk Level.
    pub const LEVEL: u16 = 19;
    /// U: Rating.
    pub const RATING: u16 = 20;
    /// V: Recommendation.
    pub const RECOMMENDATION: u16 = 21;
    /// Z: Deferred Until.
    pub const DEFERRED_UNTIL: u16 = 25;
    /// AA: Deferral Reason.
    pub const DEFERRAL_REASON: u16 = 26;
    /// AG: Row Key.
    pub const ROW_KEY: u16 = 32;
}

/// `2 CVE Findings` columns (TEMPLATE.md "2 CVE Findings"); rows: `sheets::cve`.
pub const CVE_COLUMNS: [Column; 29] = [
    derived("Finding ID", 12.0),
    edit("Device ID", 14.0),
    edit("Component", 24.0),
    edit("Component Version", 16.0),
    edit("CVE ID", 16.0),
    edit("Advisory ID", 18.0),
    edit("Source", 14.0),
    edit("Feed Date", 12.0),
    edit("Match Confidence", 14.0).list(ListId::MatchConfidence),
    edit("Match Reason", 28.0),
    edit("State", 12.0).list(ListId::FindingState),
    edit("CVSS Version", 10.0),
    edit("CVSS Vector", 40.0),
    edit("CVSS Base Score", 10.0),
    edit("Score Source", 12.0),
    edit("CVSS Severity", 12.0).list(ListId::CvssSeverity),
    edit("KEV Listed", 10.0).list(ListId::YesNo),
    edit("KEV Date Added", 12.0),
    edit("KEV Due Date", 12.0),
    edit("Known Ransomware Use", 14.0),
    edit("Clinical Functions Affected", 24.0).list(ListId::ClinicalFunctions),
    edit("Manufacturer Fix Status", 18.0).list(ListId::FixStatus),
    edit("Compensating Controls", 30.0),
    edit("Likelihood", 10.0).list(ListId::Scale),
    edit("Impact", 10.0).list(ListId::Scale),
    derived("Risk Score", 10.0),
    derived("Risk Level", 12.0),
    edit("Controlled/Uncontrolled", 14.0).list(ListId::Controlled),
    edit("Notes", 40.0),
];

/// `Risk Register` columns (TEMPLATE.md "Risk Register").
pub const REGISTER_COLUMNS: [Column; 27] = [
    derived("Risk ID", 9.0),
    derived("Device ID", 14.0),
    derived("Step", 30.0).list(ListId::Steps),
    derived("Source", 12.0),
    edit("Risk Description", 50.0),
    derived("Patient-Safety Impact (1–5)", 12.0).list(ListId::Scale),
    derived("PHI Impact (1–5)", 12.0).list(ListId::Scale),
    derived("Operational Impact (1–5)", 12.0).list(ListId::Scale),
    derived("Impact", 9.0),
    derived("Likelihood (1–5)", 12.0).list(ListId::Scale),
    derived("Inherent Score", 10.0),
    derived("Inherent Level", 12.0),
    edit("Treatment", 12.0).list(ListId::Treatment),
    edit("Planned Actions", 36.0),
    edit("Owner", 18.0),
    edit("Due Date", 12.0),
    edit("Status", 12.0).list(ListId::Status),
    edit("Residual Likelihood", 12.0).list(ListId::Scale),
    edit("Residual Impact", 12.0).list(ListId::Scale),
    derived("Residual Score", 10.0),
    derived("Residual Level", 12.0),
    edit("Accepted By", 18.0),
    edit("Acceptance Note", 30.0),
    edit("Acceptance Date", 12.0),
    edit("Review Date", 12.0),
    derived("Expired", 9.0),
    derived("Overdue", 9.0),
];

/// Risk register column indices (0-based; A = 0), one per column of [`REGISTER_COLUMNS`]; a
/// unit test pins each to its header.
pub mod reg {
    /// A: Risk ID.
    pub const RISK_ID: u16 = 0;
    /// B: Device ID.
    pub const DEVICE_ID: u16 = 1;
    /// C: Step.
    pub const STEP: u16 = 2;
    /// D: Source.
    pub const SOURCE: u16 = 3;
    /// E: Risk Description.
    pub const DESCRIPTION: u16 = 4;
    /// F: Patient-Safety Impact.
    pub const SAFETY_IMPACT: u16 = 5;
    /// G: PHI Impact.
    pub const PHI_IMPACT: u16 = 6;
    /// H: Operational Impact.
    pub const OPERATIONS_IMPACT: u16 = 7;
    /// I: Impact.
    pub const IMPACT: u16 = 8;
    /// J: Likelihood.
    pub const LIKELIHOOD: u16 = 9;
    /// K: Inherent Score.
    pub const SCORE: u16 = 10;
    /// L: Inherent Level.
    pub const LEVEL: u16 = 11;
    /// M: Treatment.
    pub const TREATMENT: u16 = 12;
    /// N: Planned Actions.
    pub const PLANNED_ACTIONS: u16 = 13;
    /// O: Owner.
    pub const OWNER: u16 = 14;
    /// P: Due Date.
    pub const DUE_DATE: u16 = 15;
    /// Q: Status.
    pub const STATUS: u16 = 16;
    /// R: Residual Likelihood.
    pub const RESIDUAL_LIKELIHOOD: u16 = 17;
    /// S: Residual Impact.
    pub const RESIDUAL_IMPACT: u16 = 18;
    /// T: Residual Score.
    pub const RESIDUAL_SCORE: u16 = 19;
    /// U: Residual Level.
    pub const RESIDUAL_LEVEL: u16 = 20;
    /// V: Accepted By.
    pub const ACCEPTED_BY: u16 = 21;
    /// W: Acceptance Note.
    pub const ACCEPTANCE_NOTE: u16 = 22;
    /// X: Acceptance Date.
    pub const ACCEPTED_ON: u16 = 23;
    /// Y: Review Date.
    pub const REVIEW_DATE: u16 = 24;
    /// Z: Expired.
    pub const EXPIRED: u16 = 25;
    /// AA: Overdue.
    pub const OVERDUE: u16 = 26;
}

/// `MDS2` columns (TEMPLATE.md "MDS2"); no rows yet.
pub const MDS2_COLUMNS: [Column; 14] = [
    derived("Target", 16.0),
    derived("MDS2 Doc ID", 16.0),
    derived("Release Date", 12.0),
    derived("Section", 24.0),
    derived("Question ID", 12.0),
    derived("Answer", 10.0),
    derived("Raw Answer", 14.0),
    derived("Note", 40.0),
    derived("IEC 80001-2-2 ref", 14.0),
    derived("NIST SP 800-53 ref", 16.0),
    derived("ISO 27002 ref", 14.0),
    derived("Source File", 24.0),
    derived("File SHA-256", 20.0),
    derived("Imported At", 18.0),
];

/// `Control Catalog` columns (TEMPLATE.md "Control Catalog"); never applied on import.
pub const CATALOG_COLUMNS: [Column; 12] = [
    derived("Control ID", 11.0),
    derived("Step", 30.0),
    derived("Scope", 8.0),
    derived("Title", 34.0),
    derived("Assessor Question", 60.0),
    derived("Evidence to Look For", 50.0),
    derived("MDS2 refs", 24.0),
    derived("IEC 80001-2-2", 14.0),
    derived("NIST CSF 2.0", 18.0),
    derived("HICP (edition:code)", 18.0),
    derived("Catalog version", 10.0),
    derived("Question hash", 20.0),
];

/// Header of the hidden UUID column after the inventory fields.
pub const DEVICE_UUID_HEADER: &str = "Device UUID";
/// Prefix of the inventory columns that hold extra attributes of imported inventories.
pub const EXTRA_PREFIX: &str = "extra: ";

/// `1 Inventory` columns: every inventory field in CATALOG.md order (`device_id` first), the
/// hidden `Device UUID`, then one `extra: <header>` column per extra attribute header.
pub fn inventory_columns(extra_headers: &[String]) -> Vec<Column> {
    let mut out: Vec<Column> = fields::FIELDS
        .iter()
        .map(|f| Column {
            header: Cow::Borrowed(f.header),
            width: field_width(f.key, f.kind),
            editable: !matches!(f.kind, FieldKind::Computed),
            hidden: false,
            list: field_list(f.kind),
            open_list: matches!(f.kind, FieldKind::OpenList(_)),
        })
        .collect();
    out.push(Column {
        header: Cow::Borrowed(DEVICE_UUID_HEADER),
        width: 38.0,
        editable: false,
        hidden: true,
        list: None,
        open_list: false,
    });
    out.extend(extra_headers.iter().map(|h| Column {
        header: Cow::Owned(format!("{EXTRA_PREFIX}{h}")),
        width: 18.0,
        editable: true,
        hidden: false,
        list: None,
        open_list: false,
    }));
    out
}

fn field_width(key: &str, kind: FieldKind) -> f64 {
    match (key, kind) {
        ("name" | "advisory_url" | "network_services" | "notes", _) => 36.0,
        ("device_id", _) => 12.0,
        (_, FieldKind::Date) => 12.0,
        (_, FieldKind::DateTime) => 19.0,
        (_, FieldKind::List(values)) if values.len() <= 3 => 10.0,
        _ => 18.0,
    }
}

/// The `Lists` column a field's values come from, if it has a drop-down.
fn field_list(kind: FieldKind) -> Option<ListId> {
    let values = match kind {
        FieldKind::List(v) | FieldKind::OpenList(v) => v,
        _ => return None,
    };
    ListId::ALL
        .into_iter()
        .find(|id| id.static_values().is_some_and(|s| s == values))
        .or_else(|| (values == fields::IMPACT_SCALE).then_some(ListId::Scale))
}

/// A step as named in sheets and on `Lists`: `3 Data Encryption`.
pub fn step_label(number: u8, name: &str) -> String {
    format!("{number} {name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;

    #[test]
    fn sheet_names_follow_the_catalog_and_excel_rules() {
        let cat = catalog();
        for (name, kind) in SHEETS {
            if let SheetKind::Controls(n) = kind {
                let step = cat
                    .steps
                    .iter()
                    .find(|s| s.number == n)
                    .map(|s| s.sheet_name());
                assert_eq!(step, Some(name));
            }
            assert!(name.encode_utf16().count() <= 31, "{name}");
            assert!(
                !name.contains([':', '\\', '/', '?', '*', '[', ']']),
                "{name}"
            );
        }
        assert_eq!(SHEETS.last().map(|s| s.0), Some(META_SHEET));
    }

    #[test]
    fn formula_columns_point_at_their_headers() {
        let h = |i: u16| CONTROL_COLUMNS[usize::from(i)].header.clone();
        assert_eq!(h(ctl::DEVICE_ID), "Device ID");
        assert_eq!(h(ctl::CONTROL_ID), "Control ID");
        assert_eq!(h(ctl::RESPONSE), "Response");
        assert_eq!(h(ctl::SUGGESTED), "Suggested");
        assert_eq!(h(ctl::OBSERVED), "Observed Value");
        assert_eq!(h(ctl::NOTE), "Note");
        assert_eq!(h(ctl::EVIDENCE_REF), "Evidence Reference");
        assert_eq!(h(ctl::SOURCE), "Answer Source");
        assert_eq!(h(ctl::RATING), "Rating");
        assert_eq!(h(ctl::RECOMMENDATION), "Recommendation");
        assert_eq!(h(ctl::DEFERRED_UNTIL), "Deferred Until");
        assert_eq!(h(ctl::DEFERRAL_REASON), "Deferral Reason");
        assert_eq!(h(ctl::LIKELIHOOD), "Likelihood (1-5)");
        assert_eq!(h(ctl::IMPACT), "Impact (1-5)");
        assert_eq!(h(ctl::SCORE), "Risk Score");
        assert_eq!(h(ctl::LEVEL), "Risk Level");
        assert_eq!(h(ctl::ROW_KEY), "Row Key");
        let r = |i: u16| REGISTER_COLUMNS[usize::from(i)].header.clone();
        let register = [
            (reg::RISK_ID, "Risk ID"),
            (reg::DEVICE_ID, "Device ID"),
            (reg::STEP, "Step"),
            (reg::SOURCE, "Source"),
            (reg::DESCRIPTION, "Risk Description"),
            (reg::SAFETY_IMPACT, "Patient-Safety Impact (1–5)"),
            (reg::PHI_IMPACT, "PHI Impact (1–5)"),
            (reg::OPERATIONS_IMPACT, "Operational Impact (1–5)"),
            (reg::IMPACT, "Impact"),
            (reg::LIKELIHOOD, "Likelihood (1–5)"),
            (reg::SCORE, "Inherent Score"),
            (reg::LEVEL, "Inherent Level"),
            (reg::TREATMENT, "Treatment"),
            (reg::PLANNED_ACTIONS, "Planned Actions"),
            (reg::OWNER, "Owner"),
            (reg::DUE_DATE, "Due Date"),
            (reg::STATUS, "Status"),
            (reg::RESIDUAL_LIKELIHOOD, "Residual Likelihood"),
            (reg::RESIDUAL_IMPACT, "Residual Impact"),
            (reg::RESIDUAL_SCORE, "Residual Score"),
            (reg::RESIDUAL_LEVEL, "Residual Level"),
            (reg::ACCEPTED_BY, "Accepted By"),
            (reg::ACCEPTANCE_NOTE, "Acceptance Note"),
            (reg::ACCEPTED_ON, "Acceptance Date"),
            (reg::REVIEW_DATE, "Review Date"),
            (reg::EXPIRED, "Expired"),
            (reg::OVERDUE, "Overdue"),
        ];
        assert_eq!(register.len(), REGISTER_COLUMNS.len());
        for (i, (col, header)) in register.iter().enumerate() {
            assert_eq!(usize::from(*col), i, "{header}");
            assert_eq!(r(*col), *header);
        }
    }

    #[test]
    fn every_inventory_list_field_has_a_list() {
        let cols = inventory_columns(&[]);
        assert_eq!(cols.len(), fields::FIELDS.len() + 1);
        for (f, c) in fields::FIELDS.iter().zip(&cols) {
            assert_eq!(f.header, c.header);
            if matches!(f.kind, FieldKind::List(_) | FieldKind::OpenList(_)) {
                assert!(c.list.is_some(), "{} has no list", f.key);
            }
        }
        let clinical = cols
            .iter()
            .find(|c| c.header == "Clinical Impact if Unavailable");
        assert_eq!(clinical.and_then(|c| c.list), Some(ListId::Scale));
    }

    #[test]
    fn lists_are_non_empty_and_in_column_order() {
        for (i, id) in ListId::ALL.iter().enumerate() {
            assert_eq!(usize::from(id.column()), i);
            assert!(!id.values(catalog()).is_empty(), "{}", id.header());
        }
        assert_eq!(
            ListId::Steps.values(catalog()).first(),
            Some(&ListValue::Text(
                "1 Device Inventory and Classification".into()
            ))
        );
    }
}
