//! Manufacturer Disclosure Statements for Medical Device Security (MDS2, ANSI/NEMA HN 1-2019):
//! reading the form (MDS2.md), normalising its answers, and the prefill rules that turn them into
//! suggested answers (CATALOG.md "MDS2 prefill rules").
//!
//! STUB (issue 6 contract): the reader and rules are being written.

use serde::{Deserialize, Serialize};

/// A normalised MDS2 answer (MDS2.md "Answer values").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mds2Answer {
    /// `Yes` (also `Yes, optional` etc. with the qualifier kept as the note).
    Yes,
    /// `No`.
    No,
    /// `N/A`, `NA`, `Not applicable`.
    NA,
    /// `See Notes`.
    SeeNote,
    /// `Hidden`: the manufacturer withheld it.
    Hidden,
    /// Empty, or a placeholder such as `__` / `____`.
    Blank,
    /// Free text.
    Other(String),
}

/// One answered question of an MDS2 form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mds2Row {
    /// Question ID as normalised (`SAHD-15` for the typo `SHAD-15`, upper case).
    pub question_id: String,
    /// Section code (`DOC`, `MPII`, …; an unknown prefix as read, upper case).
    pub section: String,
    /// The normalised answer.
    pub answer: Mds2Answer,
    /// The answer cell's text as written.
    pub raw: String,
    /// Note text: the qualifier after the answer, the "See note" column, or the referenced note.
    pub note: String,
    /// IEC TR 80001-2-2:2012 reference; may be empty.
    pub iec: String,
    /// NIST SP 800-53 reference; may be empty.
    pub nist: String,
    /// ISO/IEC 27002:2013 reference; may be empty.
    pub iso: String,
    /// Why the row was flagged, e.g. `typo SHAD-15 read as SAHD-15`, `unknown section XYZ`;
    /// empty when nothing was odd.
    pub flag: String,
}
