//! Reading an `export json` file ([`crate::export::json`], schema
//! `assets/schema/assessment.v1.json`) back into a [`Changeset`] for the planner.
//!
//! The reader only reads: every value keeps the text an `.xlsx` copy's cell would give (a
//! number as `3`, a date `YYYY-MM-DD`, `true`/`false` as `Yes`/`No`, `null` as blank) and its
//! origin as a JSON Pointer (`/answers/12/response`); checking values against lists, scales and
//! the workbook is the planner's job. The record fields follow the spreadsheet columns
//! (`records` says how each JSON key maps): `likelihood_default` / `impact_default` become the
//! `Rating` column (`default` when a set likelihood or impact is a default), `deferred_until`
//! with `deferral_reason` the `Deferred Until` column (a date, `deferred`, or blank), and the
//! keys an import never applies (scores, levels, who assessed, the register's impacts) the
//! `derived` values under the spreadsheet's header. What no spreadsheet column holds is read
//! into fields of its own, which spreadsheet copies leave `None`: an answer's three
//! `impact_dimensions`, a risk's `identified_on` and `due_date_default`. A key that is absent keeps the stored value
//! (`None`); `null` clears it.
//!
//! Streamed: the document is parsed element by element (one device, answer or risk at a time),
//! never held whole. Refused, with [`JsonError`]: a file over 512 MiB, an empty file, a file
//! that is not JSON (a spreadsheet, UTF-16 text, invalid UTF-8), broken JSON (with line and
//! column; a truncated file says so), nesting deeper than 100 levels (PRODUCT.md "Input
//! limits"), another `format`, a newer `format_version`, a missing `format_version`, and
//! header keys or arrays of the wrong type (with the pointer). Inside an element, a value of the
//! wrong type, a text over 32,767 characters or a missing key field is a [`Problem`] at its
//! pointer (the planner rejects the row); a key the format does not have is listed as
//! [`Ignored`].

mod records;
#[cfg(test)]
mod tests;

use std::cell::{Cell, RefCell};
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use super::changeset::{Changeset, Ignored, Origin, Problem, SourceInfo, SourceKind};
use super::sheet::Limits;
use crate::device::fields::parse_date;
use crate::export::json::{FORMAT, JSON_FORMAT_VERSION};
use crate::progress::{Progress, ProgressReader, Stage};
use records::{Builder, Part};

/// Deepest nesting of objects and arrays accepted (PRODUCT.md "Input limits"); an export
/// nests five deep.
pub const MAX_DEPTH: usize = 100;

/// Why an `export json` file could not be read. Every message names the file and says what to
/// do.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// The file could not be read.
    #[error("cannot read {}: {detail}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// The file is larger than an import accepts.
    #[error(
        "{}: the file is {bytes} bytes; an import reads at most {limit} bytes (512 MiB)",
        .path.display()
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        bytes: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is empty.
    #[error("{}: the file is empty; give the file written by `medsec export json`", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file is not a JSON text (a spreadsheet, another encoding, another kind of file).
    #[error("{}: not a JSON file: {what}", .path.display())]
    NotJson {
        /// The file.
        path: PathBuf,
        /// What it looks like, and what to do.
        what: String,
    },
    /// The JSON is broken at a place.
    #[error("{}: not valid JSON at line {line}, column {column}: {detail}", .path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Line, 1-based.
        line: usize,
        /// Column, 1-based.
        column: usize,
        /// The parser's message.
        detail: String,
    },
    /// The file ends in the middle of the document.
    #[error(
        "{}: the file ends early (line {line}, column {column}); it looks truncated — export it \
         again or copy it again",
        .path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Line where it ends, 1-based.
        line: usize,
        /// Column where it ends, 1-based.
        column: usize,
    },
    /// Objects and arrays nest deeper than [`MAX_DEPTH`].
    #[error(
        "{}: objects and arrays nest deeper than {limit} levels; an export never does — this \
         is not an `export json` file",
        .path.display()
    )]
    TooDeep {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: usize,
    },
    /// JSON, but not an assessment document (`format` missing or another).
    #[error(
        "{}: not a medsec assessment ({found}); give the file written by `medsec export json`",
        .path.display()
    )]
    NotAssessment {
        /// The file.
        path: PathBuf,
        /// What was found instead, e.g. `format is "CycloneDX"`, `no "format" key`.
        found: String,
    },
    /// Written by a newer medsec.
    #[error(
        "{}: format_version {version} is newer than this medsec reads ({supported}); update \
         medsec to import it",
        .path.display()
    )]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// The file's `format_version`.
        version: u64,
        /// The newest version this build reads.
        supported: u32,
    },
    /// A required key is missing.
    #[error("{}: {pointer}: missing (every export json document has it)", .path.display())]
    MissingKey {
        /// The file.
        path: PathBuf,
        /// Where it should be, e.g. `/format_version`.
        pointer: String,
    },
    /// A key of the document has a value of the wrong type.
    #[error("{}: {}: {found} where {expected} belongs", .path.display(), shown(.pointer))]
    WrongType {
        /// The file.
        path: PathBuf,
        /// Where, e.g. `/devices`; `""` for the whole document.
        pointer: String,
        /// What belongs there, e.g. `an array`.
        expected: String,
        /// What was found, e.g. `an object`.
        found: String,
    },
    /// A key of the document appears twice.
    #[error("{}: {pointer}: the key appears twice", .path.display())]
    Duplicate {
        /// The file.
        path: PathBuf,
        /// The key, e.g. `/answers`.
        pointer: String,
    },
}

/// A pointer as messages name it: `""` (the whole document) as `the document`.
fn shown(pointer: &str) -> &str {
    if pointer.is_empty() {
        "the document"
    } else {
        pointer
    }
}

/// Reads the `export json` file at `path` into a [`Changeset`] (origins are JSON Pointers),
/// reporting [`Stage::Reading`] in bytes to `progress`. The limits are PRODUCT.md's.
///
/// Errors: [`JsonError`].
pub fn read(path: &Path, progress: &mut dyn Progress) -> Result<Changeset, JsonError> {
    read_with_limits(path, &Limits::default(), progress)
}

/// [`read`] under the given limits (`max_file_bytes` and `max_text_chars` apply).
///
/// Errors: [`JsonError`].
pub fn read_with_limits(
    path: &Path,
    limits: &Limits,
    progress: &mut dyn Progress,
) -> Result<Changeset, JsonError> {
    parse(path, limits, progress, true).map(|(changeset, _)| changeset)
}

/// How many elements of each array a file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Counts {
    /// `devices`.
    pub(crate) devices: usize,
    /// `answers`.
    pub(crate) answers: usize,
    /// `risks`.
    pub(crate) risks: usize,
}

/// Reads the file as [`read`] does, checking every element, but keeps no record: the
/// changeset's `devices`, `answers` and `risks` stay empty and the counts say how many were
/// read. Memory stays that of one element, for the export's read-back check.
///
/// Errors: [`JsonError`].
pub(crate) fn check(path: &Path) -> Result<(Changeset, Counts), JsonError> {
    parse(
        path,
        &Limits::default(),
        &mut crate::progress::NoProgress,
        false,
    )
}

/// Reads the file; `keep` says whether the records are kept or only counted.
fn parse(
    path: &Path,
    limits: &Limits,
    progress: &mut dyn Progress,
    keep: bool,
) -> Result<(Changeset, Counts), JsonError> {
    let unreadable = |e: io::Error| JsonError::Unreadable {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    let mut file = File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > limits.max_file_bytes {
        return Err(JsonError::TooLarge {
            path: path.to_path_buf(),
            bytes: size,
            limit: limits.max_file_bytes,
        });
    }
    let mut head = Vec::with_capacity(8);
    (&mut file)
        .take(8)
        .read_to_end(&mut head)
        .map_err(unreadable)?;
    let skip = sniff(&head).map_err(|what| match what {
        Sniffed::Empty => JsonError::Empty {
            path: path.to_path_buf(),
        },
        Sniffed::Not(what) => JsonError::NotJson {
            path: path.to_path_buf(),
            what: what.to_string(),
        },
    })?;
    file.seek(SeekFrom::Start(skip)).map_err(unreadable)?;

    progress.stage(Stage::Reading);
    let tripped = Cell::new(false);
    let counted = ProgressReader::new(file.take(limits.max_file_bytes), size, progress);
    let guarded = DepthGuard {
        inner: counted,
        depth: 0,
        in_string: false,
        escaped: false,
        tripped: &tripped,
    };
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 16, guarded));
    let state = RefCell::new(Builder::new(path, limits.max_text_chars, keep));
    let parsed = Document { state: &state }
        .deserialize(&mut de)
        .and_then(|()| de.end());
    if tripped.get() {
        return Err(JsonError::TooDeep {
            path: path.to_path_buf(),
            limit: MAX_DEPTH,
        });
    }
    let mut builder = state.into_inner();
    if let Some(e) = builder.error.take() {
        return Err(e);
    }
    if let Err(e) = parsed {
        return Err(serde_error(path, &e));
    }
    let counts = builder.counts;
    finish(builder, path).map(|c| (c, counts))
}

/// What the first bytes say.
enum Sniffed {
    Empty,
    Not(&'static str),
}

/// How many bytes to skip (a UTF-8 byte order mark), or why the file is not JSON.
fn sniff(head: &[u8]) -> Result<u64, Sniffed> {
    if head.is_empty() {
        return Err(Sniffed::Empty);
    }
    if head.starts_with(b"\xEF\xBB\xBF") {
        return Ok(3);
    }
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(Sniffed::Not(
            "it is UTF-16 text; save it as UTF-8 (what `medsec export json` writes)",
        ));
    }
    if head.len() >= 2 && (head[0] == 0 || head[1] == 0) {
        return Err(Sniffed::Not(
            "it holds NUL bytes at the start (UTF-16 or UTF-32 text, or binary); save it as \
             UTF-8",
        ));
    }
    if head.starts_with(b"PK\x03\x04") {
        return Err(Sniffed::Not(
            "it is a zip file (an .xlsx or .ods spreadsheet?); use `medsec import workbook` for \
             spreadsheets",
        ));
    }
    if head.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(Sniffed::Not(
            "it is an .xls spreadsheet; use `medsec import workbook` for spreadsheets",
        ));
    }
    Ok(0)
}

/// A serde_json error as a [`JsonError`].
fn serde_error(path: &Path, e: &serde_json::Error) -> JsonError {
    use serde_json::error::Category;
    let (line, column) = (e.line(), e.column());
    match e.classify() {
        Category::Eof => JsonError::Truncated {
            path: path.to_path_buf(),
            line,
            column,
        },
        Category::Io => JsonError::Unreadable {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        Category::Syntax | Category::Data => {
            let mut detail = e.to_string();
            if let Some(i) = detail.rfind(" at line ") {
                detail.truncate(i);
            }
            if detail.contains("unicode") || detail.contains("UTF-8") {
                detail.push_str(" (is the file UTF-8?)");
            }
            JsonError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                detail,
            }
        }
    }
}

/// Checks the header and turns what was read into the changeset.
fn finish(b: Builder, path: &Path) -> Result<Changeset, JsonError> {
    let pointer_error = |pointer: &str, expected: &str, found: &Json| JsonError::WrongType {
        path: path.to_path_buf(),
        pointer: pointer.to_string(),
        expected: expected.to_string(),
        found: kind(found).to_string(),
    };
    match &b.header.format {
        Some(Json::String(f)) if f == FORMAT => {}
        Some(Json::String(f)) => {
            return Err(JsonError::NotAssessment {
                path: path.to_path_buf(),
                found: format!("its format is {f:?}, not {FORMAT:?}"),
            });
        }
        Some(other) => return Err(pointer_error("/format", "a text", other)),
        None => {
            return Err(JsonError::NotAssessment {
                path: path.to_path_buf(),
                found: "it has no \"format\" key".into(),
            });
        }
    }
    let version = match &b.header.format_version {
        Some(v) => v
            .as_u64()
            .filter(|n| *n >= 1)
            .ok_or_else(|| pointer_error("/format_version", "a whole number from 1", v))?,
        None => {
            return Err(JsonError::MissingKey {
                path: path.to_path_buf(),
                pointer: "/format_version".into(),
            });
        }
    };
    if version > u64::from(JSON_FORMAT_VERSION) {
        return Err(JsonError::NewerVersion {
            path: path.to_path_buf(),
            version,
            supported: JSON_FORMAT_VERSION,
        });
    }
    let text = |pointer: &str, v: &Option<Json>| -> Result<Option<String>, JsonError> {
        match v {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(pointer_error(pointer, "a text or null", other)),
        }
    };
    let workbook_id = text("/workbook_id", &b.header.workbook_id)?;
    let catalog_version = text("/catalog_version", &b.header.catalog_version)?;
    let exported_at = text("/exported_at", &b.header.exported_at)?;
    let as_of_text = text("/as_of", &b.header.as_of)?;
    let mut problems = b.problems;
    let as_of = match as_of_text {
        None => None,
        Some(t) => {
            let d = parse_date(&t);
            if d.is_none() {
                problems.push(Problem {
                    origin: Origin::Json {
                        pointer: "/as_of".into(),
                    },
                    reason: format!("{t:?} is not a date (YYYY-MM-DD)"),
                });
            }
            d
        }
    };
    Ok(Changeset {
        source: SourceInfo {
            kind: SourceKind::Json,
            format_version: u32::try_from(version).unwrap_or(JSON_FORMAT_VERSION),
            workbook_id,
            catalog_version,
            as_of,
            exported_at,
        },
        devices: b.devices,
        answers: b.answers,
        risks: b.risks,
        matrix: b.matrix,
        ignored: b.ignored,
        problems,
        checks: Vec::new(),
    })
}

/// A JSON value's kind in words: `an object`, `a number`, ...
pub(crate) fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "true or false",
        Json::Number(_) => "a number",
        Json::String(_) => "a text",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// A key as one reference token of a JSON Pointer (RFC 6901: `~` as `~0`, `/` as `~1`).
pub(crate) fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A reader that stops with an error as soon as objects and arrays nest deeper than
/// [`MAX_DEPTH`] (outside strings), before the parser gets there.
struct DepthGuard<'t, R> {
    inner: R,
    depth: usize,
    in_string: bool,
    escaped: bool,
    tripped: &'t Cell<bool>,
}

impl<R: Read> Read for DepthGuard<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in buf.get(..n).unwrap_or_default() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        self.tripped.set(true);
                        return Err(io::Error::other("nesting too deep"));
                    }
                }
                b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        Ok(n)
    }
}

/// The whole document: an object whose keys are dispatched as they come.
struct Document<'s, 'p> {
    state: &'s RefCell<Builder<'p>>,
}

impl<'de> DeserializeSeed<'de> for Document<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// Records that `found` stands where `expected` belongs and stops the parse.
fn wrong<E: de::Error>(
    state: &RefCell<Builder<'_>>,
    pointer: &str,
    expected: &str,
    found: &str,
) -> E {
    state.borrow_mut().fail_wrong_type(pointer, expected, found);
    E::custom("wrong type")
}

/// The visit methods every visitor of a wrong kind of value shares: each records the wrong
/// type at `$pointer` and stops.
macro_rules! refuse_other_kinds {
    ($expected:expr, $pointer:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            Err(wrong(
                self.state,
                &($pointer)(&self),
                $expected,
                "true or false",
            ))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            Err(wrong(self.state, &($pointer)(&self), $expected, "a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            Err(wrong(self.state, &($pointer)(&self), $expected, "a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            Err(wrong(self.state, &($pointer)(&self), $expected, "a number"))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            Err(wrong(self.state, &($pointer)(&self), $expected, "a text"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            Err(wrong(self.state, &($pointer)(&self), $expected, "null"))
        }
    };
}

impl<'de> Visitor<'de> for Document<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an export json document (an object)")
    }

    refuse_other_kinds!("an object (an export json document)", |_: &Self| {
        String::new()
    });

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(wrong(
            self.state,
            "",
            "an object (an export json document)",
            "an array",
        ))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let pointer = format!("/{}", token(&key));
            if self.state.borrow_mut().seen_twice(&key) {
                return Err(de::Error::custom("duplicate key"));
            }
            let part = match key.as_str() {
                "devices" => Some(Part::Devices),
                "answers" => Some(Part::Answers),
                "risks" => Some(Part::Risks),
                _ => None,
            };
            if let Some(part) = part {
                map.next_value_seed(Array {
                    state: self.state,
                    part,
                })?;
                continue;
            }
            if records::HEADER_KEYS.contains(&key.as_str()) {
                let value: Json = map.next_value()?;
                self.state.borrow_mut().header_value(&key, value);
            } else {
                map.next_value::<IgnoredAny>()?;
                self.state.borrow_mut().ignored.push(Ignored {
                    origin: Origin::Json { pointer },
                    reason: format!("unknown key {key:?}"),
                });
            }
        }
        Ok(())
    }
}

/// One of the three arrays, read element by element.
struct Array<'s, 'p> {
    state: &'s RefCell<Builder<'p>>,
    part: Part,
}

impl Array<'_, '_> {
    fn pointer(&self) -> String {
        format!("/{}", self.part.key())
    }
}

impl<'de> DeserializeSeed<'de> for Array<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Array<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    refuse_other_kinds!("an array", Array::pointer);

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(wrong(self.state, &self.pointer(), "an array", "an object"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while let Some(element) = seq.next_element::<Json>()? {
            self.state.borrow_mut().element(self.part, index, &element);
            index += 1;
        }
        Ok(())
    }
}
