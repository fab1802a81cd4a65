//! A filled copy of an assessment, as read from a file and before it is checked against the
//! workbook: the contract between the readers (`import workbook` for `.xlsx` / `.xls` / `.ods`
//! copies of the exported template, `import json` for `export json` files) and the one planner
//! that validates, matches, diffs and applies them.
//!
//! Every value is the cell's or field's text as the reader found it — a spreadsheet date already
//! turned into `YYYY-MM-DD`, a number into its shortest decimal (`3`, not `3.0`) — together with
//! its [`Origin`], so that every line of a dry run (changed, ignored, rejected) can name the cell
//! or JSON path it came from. Parsing (list values, dates, 1–5 scales) and every rule about what
//! may change is the planner's job, so both formats are judged by the same rules and give the
//! same messages.
//!
//! An `Option<Value>` field is `None` when the file has no such column or key (the stored value
//! is kept), and `Some` with an empty text when the cell is blank (the stored value is cleared).

use std::fmt;

use std::sync::Arc;

use chrono::NaiveDate;

use super::sheet::column_letter;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A cell of a sheet: `row` is 1-based (Excel's row number), `col` 0-based (A = 0).
    Cell {
        /// Sheet name as in the file (shared by every value of the sheet).
        sheet: Arc<str>,
        /// Row number, 1-based.
        row: u32,
        /// Column index, 0-based.
        col: u16,
    },
    /// A whole row of a sheet (1-based), for messages about the row rather than one cell.
    Row {
        /// Sheet name as in the file (shared by every value of the sheet).
        sheet: Arc<str>,
        /// Row number, 1-based.
        row: u32,
    },
    /// A whole sheet (a sheet added by the user, a missing sheet, a truncated one).
    Sheet {
        /// Sheet name as in the file (shared by every value of the sheet).
        sheet: Arc<str>,
    },
    /// A JSON Pointer (RFC 6901) into an `export json` file, e.g. `/answers/12/response`.
    Json {
        /// The pointer.
        pointer: String,
    },
    /// The file as a whole.
    File,
}

impl fmt::Display for Origin {
    /// `'3 Encryption'!H12`, `'1 Inventory' row 7`, `sheet 'Notes'`, `/answers/12/response`,
    /// `file`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Cell { sheet, row, col } => {
                write!(
                    f,
                    "'{}'!{}{row}",
                    sheet.replace('\'', "''"),
                    column_letter(usize::from(*col))
                )
            }
            Origin::Row { sheet, row } => write!(f, "'{}' row {row}", sheet.replace('\'', "''")),
            Origin::Sheet { sheet } => write!(f, "sheet '{}'", sheet.replace('\'', "''")),
            Origin::Json { pointer } => f.write_str(pointer),
            Origin::File => f.write_str("file"),
        }
    }
}

/// One value as found in the file, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// The text: a spreadsheet date as `YYYY-MM-DD`, a date-time as RFC 3339, a number as its
    /// shortest decimal, a boolean as `Yes` / `No`; not trimmed (the planner trims).
    pub text: String,
    /// Where it came from.
    pub origin: Origin,
}

impl Value {
    /// A value from `text` at `origin`.
    pub fn new(text: impl Into<String>, origin: Origin) -> Value {
        Value {
            text: text.into(),
            origin,
        }
    }

    /// The text without surrounding white space.
    pub fn trimmed(&self) -> &str {
        self.text.trim()
    }

    /// Whether the cell or field is blank (empty or only white space).
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// What kind of file the changeset was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A copy of `export xlsx` (a workbook ID in `_medsec`).
    Export,
    /// A copy of `export template` (empty workbook ID): rows are matched by asset tag, serial
    /// number or name, and devices that do not exist are created.
    Template,
    /// A spreadsheet without a readable `_medsec` sheet (e.g. one rebuilt by hand): treated as a
    /// template, with a warning.
    Unmarked,
    /// An `export json` file.
    Json,
}

/// What the file says about itself (`_medsec` in a spreadsheet, the header of a JSON file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    /// The kind of file.
    pub kind: SourceKind,
    /// `format_version` (TEMPLATE.md; `1` so far). The planner refuses a version above the one
    /// this build writes.
    pub format_version: u32,
    /// The exporting workbook's ID (`None` for a template or an unmarked file).
    pub workbook_id: Option<String>,
    /// The catalog version the copy was exported with.
    pub catalog_version: Option<String>,
    /// The export's "As of" date.
    pub as_of: Option<NaiveDate>,
    /// `exported_at` (UTC, RFC 3339) as written.
    pub exported_at: Option<String>,
}

/// One row of `1 Inventory` (or one device object of a JSON file).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceRecord {
    /// The row (or the object).
    pub origin: Option<Origin>,
    /// Column "Device ID": the short ID (`DEV-0007`); in a template, the placeholder that the
    /// control sheets' rows use to refer to this row.
    pub device_id: Option<Value>,
    /// The hidden "Device UUID" column (absent or blank in a template).
    pub uuid: Option<Value>,
    /// Inventory fields by key (CATALOG.md "key" column), in column order; computed fields
    /// (`compliance_pct`, ...) included as read, for the planner to list as ignored if edited.
    pub fields: Vec<(&'static str, Value)>,
    /// `extra: <header>` columns: the header without the prefix, and the value.
    pub extra: Vec<(String, Value)>,
}

/// One row of a control sheet (or one answer object of a JSON file).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnswerRecord {
    /// The row (or the object).
    pub origin: Option<Origin>,
    /// Column A "Device ID": short ID, template placeholder, `MODEL:<manufacturer>/<model>`,
    /// `SITE:<site>` or `SITE`.
    pub target: Option<Value>,
    /// Column AG "Row Key": device UUID or scope key, `|`, control ID (blank in a template).
    pub row_key: Option<Value>,
    /// Column D "Control ID".
    pub control_id: Option<Value>,
    /// H "Response": Yes, Partial, No, N/A, Unknown or blank.
    pub response: Option<Value>,
    /// I "Suggested": blank = confirmed.
    pub suggested: Option<Value>,
    /// J "Observed Value".
    pub observed: Option<Value>,
    /// K "Note".
    pub note: Option<Value>,
    /// L "Evidence Reference".
    pub evidence_ref: Option<Value>,
    /// P "Answer Source".
    pub source: Option<Value>,
    /// Q "Likelihood (1-5)".
    pub likelihood: Option<Value>,
    /// R "Impact (1-5)".
    pub impact: Option<Value>,
    /// The assessor's patient-safety impact (1–5; `export json`'s
    /// `impact_dimensions.patient_safety`). `None` when the file does not carry per-dimension
    /// impacts (a spreadsheet copy: its control sheets show one Impact); blank = not rated on
    /// this dimension. When any of the three is set after the import, the answer's impact is the
    /// highest of them.
    pub impact_safety: Option<Value>,
    /// The assessor's PHI / data impact (1–5; `impact_dimensions.phi`); as `impact_safety`.
    pub impact_phi: Option<Value>,
    /// The assessor's clinical-operations impact (1–5; `impact_dimensions.operations`); as
    /// `impact_safety`.
    pub impact_operations: Option<Value>,
    /// U "Rating": `default` keeps Q/R as defaults; blank means rated.
    pub rating: Option<Value>,
    /// V "Recommendation".
    pub recommendation: Option<Value>,
    /// Z "Deferred Until": a date, or the text `deferred`.
    pub deferred_until: Option<Value>,
    /// AA "Deferral Reason".
    pub deferral_reason: Option<Value>,
    /// Derived columns as read (title, question, scope, risk score, owner, ...), header and
    /// value, for the planner to list as ignored when they differ from what the app writes.
    pub derived: Vec<(String, Value)>,
}

/// One row of `Risk Register` (or one risk object of a JSON file).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RiskRecord {
    /// The row (or the object).
    pub origin: Option<Origin>,
    /// "Risk ID": `R-0012`.
    pub risk_id: Option<Value>,
    /// "Device ID": short ID, placeholder, `MODEL:…` or `SITE…`.
    pub target: Option<Value>,
    /// "Source": the control ID (or a vulnerability finding ID, later).
    pub source: Option<Value>,
    /// "Treatment": Mitigate, Accept, Transfer, Avoid or blank.
    pub treatment: Option<Value>,
    /// "Planned Actions".
    pub planned_actions: Option<Value>,
    /// "Owner".
    pub owner: Option<Value>,
    /// "Due Date".
    pub due_date: Option<Value>,
    /// "Status": Open, In Progress, Closed.
    pub status: Option<Value>,
    /// "Residual Likelihood" (1–5).
    pub residual_likelihood: Option<Value>,
    /// "Residual Impact" (1–5).
    pub residual_impact: Option<Value>,
    /// "Accepted By".
    pub accepted_by: Option<Value>,
    /// "Acceptance Note".
    pub acceptance_note: Option<Value>,
    /// "Acceptance Date".
    pub accepted_on: Option<Value>,
    /// "Review Date".
    pub review_date: Option<Value>,
    /// The date the finding was first identified (`YYYY-MM-DD`; `export json`'s
    /// `identified_on`; default due dates count from it). `None` when the file does not carry
    /// it (a spreadsheet copy); blank = not known (the answer's assessed-on date stands in).
    pub identified_on: Option<Value>,
    /// Whether the due date follows the level (`export json`'s `due_date_default`, as `Yes` /
    /// `No`): `Yes` = the Due Date is the level's default and keeps following it, `No` = the
    /// Due Date (or its absence) was set by hand. `None` when the file does not say (a
    /// spreadsheet copy: a Due Date equal to the level's default is then taken as following it).
    pub due_date_default: Option<Value>,
    /// Derived columns as read (impacts, likelihood, scores, levels, expired, overdue), header
    /// and value, for the planner to list as ignored when edited.
    pub derived: Vec<(String, Value)>,
}

/// Something in the file the import does not apply, known to the reader already (an added
/// sheet, an unknown column, an edited `Lists` sheet); listed in the dry run as "ignored".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    /// Where.
    pub origin: Origin,
    /// Why, in a few words: `sheet not part of the template`, `unknown column "Cost"`.
    pub reason: String,
}

/// Something in the file that is wrong before any row is looked at, found by the reader (a
/// missing required column, a cell that cannot be read as text); makes the row or the import
/// rejected, with its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub origin: Origin,
    /// Why: `formula without a cached value`, `no "Control ID" column`.
    pub reason: String,
}

/// How many data rows a sheet had when exported and what it holds now (from `_medsec`'s
/// `rows:<sheet>` and `sha256:<sheet>`), so a truncated copy can be told from an edited one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetCheck {
    /// The sheet.
    pub sheet: String,
    /// Data rows below the header when exported.
    pub exported_rows: u32,
    /// Data rows found now (up to the last row with a value).
    pub found_rows: u32,
    /// Whether the sheet's data cells hash the same as when exported (`None` when the reader
    /// could not compute a comparable hash, e.g. for `.xls` / `.ods`, which store numbers and
    /// dates differently).
    pub unchanged: Option<bool>,
}

/// Everything read from one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changeset {
    /// What the file says about itself.
    pub source: SourceInfo,
    /// `1 Inventory` rows, in file order.
    pub devices: Vec<DeviceRecord>,
    /// Control sheet rows, sheet by sheet in file order.
    pub answers: Vec<AnswerRecord>,
    /// `Risk Register` rows, in file order.
    pub risks: Vec<RiskRecord>,
    /// The `Risk Matrix` level grid as read (rows likelihood 5 → 1, columns impact 1 → 5),
    /// applied only with `--with-matrix`; `None` when the file has none.
    pub matrix: Option<Vec<Vec<Value>>>,
    /// What the reader already knows it will not apply.
    pub ignored: Vec<Ignored>,
    /// What the reader already knows is wrong.
    pub problems: Vec<Problem>,
    /// Row counts and hashes per sheet (spreadsheets with `_medsec` only).
    pub checks: Vec<SheetCheck>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_print_as_people_write_them() {
        let cell = Origin::Cell {
            sheet: "3 Encryption".into(),
            row: 12,
            col: 7,
        };
        assert_eq!(cell.to_string(), "'3 Encryption'!H12");
        let quoted = Origin::Cell {
            sheet: "Bob's".into(),
            row: 1,
            col: 32,
        };
        assert_eq!(quoted.to_string(), "'Bob''s'!AG1");
        let json = Origin::Json {
            pointer: "/answers/3/response".into(),
        };
        assert_eq!(json.to_string(), "/answers/3/response");
    }
}
