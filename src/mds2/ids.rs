//! MDS2 question IDs (`DOC-1`, `MPII-2.1`, `AUDT-2.8.1`) and the sections they belong to.

use std::sync::LazyLock;

use regex::Regex;

/// The section codes of HN 1-2019 in form order, with `CNFS` (an IEC TR 80001-2-2 capability
/// some copies use) and `OTHR` ("other security considerations") (MDS2.md "Sections").
pub const KNOWN_SECTIONS: [&str; 25] = [
    "DOC", "MPII", "ALOF", "AUDT", "AUTH", "CSUP", "DIDT", "DTBK", "EMRG", "IGAU", "MLDP", "NAUT",
    "CONN", "PAUT", "PLOK", "RDMP", "SBOM", "SAHD", "SGUD", "STCF", "TXCF", "TXIG", "RMOT", "CNFS",
    "OTHR",
];

/// Prefix typos seen in real forms and the section they stand for (`SHAD-15` in the NEMA
/// example; `SBoM` is only a spelling and is upper-cased like any prefix).
const TYPOS: [(&str, &str); 1] = [("SHAD", "SAHD")];

static ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z]{3,5})-(\d+(?:\.\d+)*)$").ok());

/// A question ID as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionId {
    /// Normalised: upper case, typo prefixes corrected (`SAHD-15`).
    pub id: String,
    /// The section code (`SAHD`; an unknown prefix as read, upper case).
    pub section: String,
    /// Whether the section is one of [`KNOWN_SECTIONS`] (or a known typo of one).
    pub known: bool,
    /// Why it is flagged: `typo SHAD-15 read as SAHD-15`, `unknown section XYZ (XYZ-1 kept as
    /// read)`, `SBoM-1 read as SBOM-1`; empty otherwise.
    pub flag: String,
}

/// Parses a cell or token as a question ID: three to five letters, `-`, numbers separated by
/// dots (`^[A-Za-z]{3,5}-\d+(\.\d+)*$` after trimming spaces and a trailing `:`). Prefixes match
/// case-insensitively; `None` for anything else (`Note 1`, `CVE-2019-1234`, `UTF-8x`).
pub fn parse_question_id(text: &str) -> Option<QuestionId> {
    let t = text.trim().trim_end_matches(':').trim();
    let caps = ID.as_ref()?.captures(t)?;
    let prefix = caps.get(1)?.as_str();
    let number = caps.get(2)?.as_str();
    let upper = prefix.to_ascii_uppercase();
    if let Some((_, right)) = TYPOS.iter().find(|(typo, _)| *typo == upper) {
        let id = format!("{right}-{number}");
        return Some(QuestionId {
            flag: format!("typo {t} read as {id}"),
            id,
            section: right.to_string(),
            known: true,
        });
    }
    let id = format!("{upper}-{number}");
    let known = KNOWN_SECTIONS.contains(&upper.as_str());
    let flag = if !known {
        format!("unknown section {upper} ({id} kept as read)")
    } else if prefix == "SBoM" {
        format!("{t} read as {id}")
    } else {
        String::new()
    };
    Some(QuestionId {
        id,
        section: upper,
        known,
        flag,
    })
}

/// Whether `text` is a question of the HN 1-2013 layout (`1-1`, `12-3`): numbers only.
pub(super) fn is_2013_number(text: &str) -> bool {
    let t = text.trim();
    match t.split_once('-') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.len() <= 2
                && b.len() <= 2
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}
