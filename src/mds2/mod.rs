//! Manufacturer Disclosure Statements for Medical Device Security (MDS2, ANSI/NEMA HN 1-2019):
//! reading the form (MDS2.md), normalising its answers, and the prefill rules that turn them into
//! suggested answers (CATALOG.md "MDS2 prefill rules").
//!
//! One concept per file: question IDs and their sections (`ids`), answer cells (`answer`), the
//! spreadsheet reader (`sheet`, any layout of `.xlsx` / `.xls` / `.ods` through
//! [`crate::import::sheet::read_sheets_from_bytes`] and its hostile-input checks), the text reader
//! (`text`, an MDS2 copied out of a PDF or a web page into a `.txt` / `.md` file), the prefill
//! rules as data (`rules`) and the plan of what one import changes in a workbook (`plan`).

mod answer;
mod ids;
pub mod plan;
pub mod rules;
mod sheet;
#[cfg(test)]
pub(crate) mod tests;
mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use answer::parse_answer;
pub use ids::{KNOWN_SECTIONS, QuestionId, parse_question_id};

use crate::import::sheet::{Limits, SheetError};

/// The only form version medsec reads (MDS2.md "Importer design" 4).
pub const HN_2019: &str = "HN 1-2019";

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

impl Mds2Answer {
    /// The normalised answer as the `MDS2` sheet and the claims write it: `Yes`, `No`, `N/A`,
    /// `See Note`, `Hidden`, `Blank`, `Other` (TEMPLATE.md "MDS2").
    pub fn label(&self) -> &'static str {
        match self {
            Mds2Answer::Yes => "Yes",
            Mds2Answer::No => "No",
            Mds2Answer::NA => "N/A",
            Mds2Answer::SeeNote => "See Note",
            Mds2Answer::Hidden => "Hidden",
            Mds2Answer::Blank => "Blank",
            Mds2Answer::Other(_) => "Other",
        }
    }

    /// The inverse of [`Mds2Answer::label`]; `Other` takes `raw` as its text.
    pub fn from_label(label: &str, raw: &str) -> Mds2Answer {
        match label {
            "Yes" => Mds2Answer::Yes,
            "No" => Mds2Answer::No,
            "N/A" => Mds2Answer::NA,
            "See Note" => Mds2Answer::SeeNote,
            "Hidden" => Mds2Answer::Hidden,
            "Blank" => Mds2Answer::Blank,
            _ => Mds2Answer::Other(raw.to_string()),
        }
    }
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

/// Where an MDS2 was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mds2Source {
    /// A spreadsheet: its format (`xlsx`, `xls`, `ods`), the sheet and the columns used (letters).
    Sheet {
        /// `xlsx`, `xls` or `ods`.
        format: String,
        /// The sheet holding the question IDs.
        sheet: String,
        /// Column letters of the question ID, answer and note ("" when none was found).
        columns: [String; 3],
        /// Row number (1-based) of the header row the reference columns were found in, if any.
        header_row: Option<usize>,
    },
    /// Text (a `.txt` / `.md` copy of a PDF or web page), UTF-8.
    Text,
}

/// An MDS2 as read from one file, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Mds2Document {
    /// Always [`HN_2019`] (other versions are refused).
    pub form_version: &'static str,
    /// Every question in file order (duplicates keep the first; later ones are flagged in
    /// [`Mds2Document::warnings`]).
    pub rows: Vec<Mds2Row>,
    /// DOC-7 as a date, when it is a date cell or text that reads as one.
    pub release_date: Option<NaiveDate>,
    /// The notes at the foot of the form, by number (`Note 1` → its text).
    pub notes: BTreeMap<u32, String>,
    /// Things the reader noticed that do not stop the import (typos, unknown prefixes, duplicate
    /// IDs, unresolved note references, an unreadable DOC-7), one line each.
    pub warnings: Vec<String>,
    /// Where it was read from.
    pub source: Mds2Source,
}

impl Mds2Document {
    /// The row of a question (normalised ID, e.g. `STCF-1`).
    pub fn row(&self, question_id: &str) -> Option<&Mds2Row> {
        self.rows.iter().find(|r| r.question_id == question_id)
    }

    /// The answer to a question, if the form has it.
    pub fn answer(&self, question_id: &str) -> Option<&Mds2Answer> {
        self.row(question_id).map(|r| &r.answer)
    }

    /// The text of a DOC field (DOC-1 … DOC-11.4) as given: the free text, or the answer's
    /// label for Yes/No/N/A; `None` when the row is missing, blank or `Hidden`.
    pub fn doc_text(&self, question_id: &str) -> Option<String> {
        let row = self.row(question_id)?;
        match &row.answer {
            Mds2Answer::Hidden | Mds2Answer::Blank => None,
            Mds2Answer::Other(t) => Some(t.trim().to_string()).filter(|t| !t.is_empty()),
            other => Some(other.label().to_string()),
        }
    }

    /// The DOC fields read (question ID → text), for storage (`doc_json`).
    pub fn doc_fields(&self) -> BTreeMap<String, String> {
        self.rows
            .iter()
            .filter(|r| r.section == "DOC")
            .filter_map(|r| Some((r.question_id.clone(), self.doc_text(&r.question_id)?)))
            .collect()
    }

    /// How many questions have each normalised answer, in label order (`Yes`, `No`, `N/A`,
    /// `See Note`, `Hidden`, `Blank`, `Other`), zero counts left out.
    pub fn answer_counts(&self) -> Vec<(&'static str, usize)> {
        let labels = ["Yes", "No", "N/A", "See Note", "Hidden", "Blank", "Other"];
        labels
            .iter()
            .map(|l| {
                (
                    *l,
                    self.rows.iter().filter(|r| r.answer.label() == *l).count(),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// The rows with a flag.
    pub fn flagged(&self) -> impl Iterator<Item = &Mds2Row> {
        self.rows.iter().filter(|r| !r.flag.is_empty())
    }
}

/// An MDS2 file read: the document and the facts about the file stored with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mds2File {
    /// The document.
    pub document: Mds2Document,
    /// The file's name without folders.
    pub file_name: String,
    /// SHA-256 of the file's bytes, 64 lower-case hex digits.
    pub sha256: String,
}

/// Why a file could not be read as an MDS2. Each message names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Mds2Error {
    /// The spreadsheet could not be read (damaged, refused by an input limit, …).
    #[error(transparent)]
    Sheet(#[from] SheetError),
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("{} is empty (0 bytes)", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A PDF: medsec does not read PDFs.
    #[error(
        "{} is a PDF, which medsec does not read; open it, select all the text, copy it into a .txt file and import that (medsec reads MDS2 text line by line), or ask the manufacturer for the .xlsx form",
        .path.display()
    )]
    Pdf {
        /// The file.
        path: PathBuf,
    },
    /// Neither a spreadsheet nor UTF-8 text.
    #[error(
        "{} is neither a spreadsheet (.xlsx, .xls, .ods) nor UTF-8 text; save the MDS2 as .xlsx or as UTF-8 text",
        .path.display()
    )]
    NotReadable {
        /// The file.
        path: PathBuf,
    },
    /// No MDS2 question ID (`DOC-1`, `MPII-2.1`, …) anywhere.
    #[error(
        "{} holds no MDS2 question IDs (such as DOC-1, MPII-2.1, SAHD-3); it does not look like an MDS2 form",
        .path.display()
    )]
    NoQuestions {
        /// The file.
        path: PathBuf,
    },
    /// The form is the older HN 1-2013 MDS2, which numbers its questions differently.
    #[error(
        "{} is an MDS2 in the older HN 1-2013 form, which medsec does not read (it numbers its questions differently); ask the manufacturer for the HN 1-2019 form",
        .path.display()
    )]
    Hn2013 {
        /// The file.
        path: PathBuf,
    },
    /// A line of an MDS2 text is longer than a spreadsheet cell may be.
    #[error(
        "{}: line {line} holds {chars} characters; a line may hold at most {limit} (a spreadsheet cell); shorten it and try again",
        .path.display()
    )]
    LineTooLong {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// Its length in characters.
        chars: usize,
        /// The limit ([`Limits::max_text_chars`]).
        limit: usize,
    },
    /// Question IDs were found, but none of the sections that mark HN 1-2019.
    #[error(
        "{} holds {count} question IDs but none of the MPII, CONN, SBOM or RMOT sections of the HN 1-2019 form; medsec reads only HN 1-2019 MDS2 forms",
        .path.display()
    )]
    UnknownVersion {
        /// The file.
        path: PathBuf,
        /// How many question IDs were found.
        count: usize,
    },
}

/// Reads an MDS2 from `path`: a spreadsheet (`.xlsx`, `.xls`, `.ods`, sniffed from the bytes,
/// under the input limits of [`Limits::default`]) or UTF-8 text. A PDF is refused with a message
/// that says how to get its text.
///
/// Errors: [`Mds2Error`] — unreadable, empty, too large, a PDF, a damaged or hostile
/// spreadsheet, no question IDs, the HN 1-2013 form, or no HN 1-2019 sections.
pub fn read_file(path: &Path) -> Result<Mds2File, Mds2Error> {
    let limits = Limits::default();
    let io = |source| Mds2Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::other("it is a directory, not a file")));
    }
    if meta.len() > limits.max_file_bytes {
        return Err(Mds2Error::Sheet(SheetError::TooLarge {
            path: path.to_path_buf(),
            limit: limits.max_file_bytes,
        }));
    }
    // Reading stops one byte past the limit, so a device or a pipe cannot make it read forever.
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(path).map_err(io)?,
            limits.max_file_bytes.saturating_add(1),
        ),
        &mut bytes,
    )
    .map_err(io)?;
    read_bytes(&bytes, path, &limits)
}

/// [`read_file`] on bytes in memory; `path` names the source in messages and gives the stored
/// file name.
///
/// Errors: as [`read_file`].
pub fn read_bytes(bytes: &[u8], path: &Path, limits: &Limits) -> Result<Mds2File, Mds2Error> {
    if bytes.is_empty() {
        return Err(Mds2Error::Empty {
            path: path.to_path_buf(),
        });
    }
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(Mds2Error::Sheet(SheetError::TooLarge {
            path: path.to_path_buf(),
            limit: limits.max_file_bytes,
        }));
    }
    let spreadsheet = bytes.starts_with(b"PK") || bytes.starts_with(&OLE2);
    let document = if spreadsheet {
        sheet::read(bytes, path, limits)?
    } else if bytes.starts_with(b"%PDF") {
        return Err(Mds2Error::Pdf {
            path: path.to_path_buf(),
        });
    } else {
        let text = decode_text(bytes).ok_or_else(|| Mds2Error::NotReadable {
            path: path.to_path_buf(),
        })?;
        text::read(&text, path, limits)?
    };
    Ok(Mds2File {
        document,
        file_name: path
            .file_name()
            .map(|n| crate::device::fields::clean_text(&n.to_string_lossy()))
            .unwrap_or_default(),
        sha256: hex::encode(Sha256::digest(bytes)),
    })
}

const OLE2: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// UTF-8 text (a BOM dropped) without NUL bytes; `None` for anything else.
fn decode_text(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).ok()?;
    (!text.contains('\0')).then(|| text.to_string())
}

/// What the readers collect before the form version is checked: the rows in file order (IDs
/// as written are normalised by [`parse_question_id`]).
pub(crate) struct Collected {
    rows: Vec<Mds2Row>,
    warnings: Vec<String>,
    /// Whether the text `HN 1-2013` (any spacing) appeared anywhere.
    mentions_2013: bool,
    /// Whether numbered questions such as `1-1` appeared (the 2013 layout).
    numbered_2013: bool,
}

impl Collected {
    fn new() -> Self {
        Collected {
            rows: Vec::new(),
            warnings: Vec::new(),
            mentions_2013: false,
            numbered_2013: false,
        }
    }

    /// Looks at text seen anywhere in the file: `HN 1-2013` marks the older form.
    fn saw_text(&mut self, text: &str) {
        let squeezed: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if squeezed.contains("HN1-2013") {
            self.mentions_2013 = true;
        }
    }

    /// Adds a row unless its question was already read (then a warning).
    fn push(&mut self, row: Mds2Row, place: &str) {
        if self.rows.iter().any(|r| r.question_id == row.question_id) {
            self.warnings.push(format!(
                "{place}: {} appears again; the first answer is kept",
                row.question_id
            ));
            return;
        }
        if !row.flag.is_empty() {
            self.warnings.push(format!("{place}: {}", row.flag));
        }
        self.rows.push(row);
    }

    /// Checks the form version and makes the document.
    fn finish(
        self,
        path: &Path,
        release_date: Option<NaiveDate>,
        notes: BTreeMap<u32, String>,
        source: Mds2Source,
    ) -> Result<Mds2Document, Mds2Error> {
        let marks_2019 = self
            .rows
            .iter()
            .any(|r| ["MPII", "CONN", "SBOM", "RMOT"].contains(&r.section.as_str()));
        if !marks_2019 {
            if self.mentions_2013 || self.numbered_2013 {
                return Err(Mds2Error::Hn2013 {
                    path: path.to_path_buf(),
                });
            }
            if self.rows.is_empty() {
                return Err(Mds2Error::NoQuestions {
                    path: path.to_path_buf(),
                });
            }
            return Err(Mds2Error::UnknownVersion {
                path: path.to_path_buf(),
                count: self.rows.len(),
            });
        }
        let mut warnings = self.warnings;
        if release_date.is_none()
            && let Some(doc7) = self.rows.iter().find(|r| r.question_id == "DOC-7")
            && !matches!(doc7.answer, Mds2Answer::Hidden | Mds2Answer::Blank)
        {
            warnings.push(format!(
                "DOC-7 (release date) {:?} is not a date; the MDS2 date is left empty",
                doc7.raw
            ));
        }
        Ok(Mds2Document {
            form_version: HN_2019,
            rows: self.rows,
            release_date,
            notes,
            warnings,
            source,
        })
    }
}

/// Reads a DOC-7 text as a date: `2019-10-09`, `2019/10/09`, `09.10.2019`, `10/09/2019` (read
/// month/day only when the day cannot be a month), `October 9, 2019`, `9 October 2019`,
/// `Oct 9, 2019`.
pub(crate) fn parse_release_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim().trim_matches('"').trim();
    // A date-time written out (`2019-10-09 00:00:00`): its date.
    let t = match t.get(..10) {
        Some(head) if t.len() > 10 && NaiveDate::parse_from_str(head, "%Y-%m-%d").is_ok() => head,
        _ => t,
    };
    for f in [
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%d.%m.%Y",
        "%B %d, %Y",
        "%d %B %Y",
        "%b %d, %Y",
        "%d %b %Y",
        "%B %d %Y",
    ] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Some(d);
        }
    }
    // Slashed dates: day/month (medsec's reading of typed dates) unless only month/day fits.
    NaiveDate::parse_from_str(t, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(t, "%m/%d/%Y"))
        .ok()
}
