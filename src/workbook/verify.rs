//! `medsec verify`: is the workbook whole and unaltered?
//!
//! Five checks, each run even when an earlier one failed, each reporting what it covered and
//! every problem it found:
//! 1. SQLCipher's `PRAGMA cipher_integrity_check`: the HMAC-SHA512 of every page of the file;
//! 2. SQLite's `PRAGMA integrity_check`: b-trees, indexes, constraints;
//! 3. `PRAGMA foreign_key_check`: every row's references;
//! 4. the audit chain ([`Workbook::verify_audit`]): seq, links and the hash of every entry;
//! 5. every attachment's bytes against the SHA-256 and size recorded when it was added (removed
//!    ones too: undo can bring them back);
//!
//! and, given an expected hash (from an export's Cover, `_medsec` or report), whether it is the
//! head or an entry of the chain: a hash taken earlier is still found after later changes, while
//! a chain rewritten since (edited and re-hashed) no longer holds it.
//!
//! Only reads: a shared lock is enough.

use rusqlite::OptionalExtension;

use super::attachments::{AttachmentError, attachment_label};
use std::path::Path;

use super::{AuditHead, Passphrase, Workbook, WorkbookError};
use crate::evidence::file::sha256_hex;

/// An attachment row as verify reads it: ID, name, SHA-256, size (bytes), removed.
type StoredAttachment = (i64, String, String, i64, bool);

/// How many lines of `integrity_check` are kept; the rest are counted.
const INTEGRITY_LINES_SHOWN: usize = 10;

/// One check and what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked, e.g. `SQLCipher page HMACs`.
    pub name: &'static str,
    /// What it covered, with counts, e.g. `412 pages of 4096 bytes`.
    pub covered: String,
    /// Every problem found, one line each naming the page, table and row, audit entry (seq, time,
    /// summary) or attachment (ID and name). Empty = sound.
    pub problems: Vec<String>,
}

/// The result of [`Workbook::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The checks in the order run.
    pub checks: Vec<Check>,
    /// The audit chain's head as stored (length 0, [`super::audit::GENESIS`], for a workbook
    /// older than schema 6, which has no audit trail).
    pub head: AuditHead,
    /// The workbook's schema version; older than this build's when opened with
    /// [`Workbook::open_as_is`].
    pub schema_version: i64,
}

/// What the audit check covered in a workbook of `schema` (older than 6), which has no audit
/// trail: not a problem.
fn no_audit_trail(schema: i64) -> String {
    format!("none: written by an older medsec (schema {schema}), before the audit trail")
}

impl Verification {
    /// Whether no check found a problem.
    pub fn is_sound(&self) -> bool {
        self.checks.iter().all(|c| c.problems.is_empty())
    }

    /// Every problem, prefixed with the check's name.
    pub fn problems(&self) -> Vec<String> {
        self.checks
            .iter()
            .flat_map(|c| c.problems.iter().map(move |p| format!("{}: {p}", c.name)))
            .collect()
    }
}

/// The expected hash in `text`: 64 hexadecimal digits, lower-cased; as copied from the Cover,
/// `HASH (N entries)` is accepted too. `None` when the first word is not such a hash.
pub fn parse_expected_hash(text: &str) -> Option<String> {
    let word = text.split_whitespace().next()?;
    (word.len() == 64 && word.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| word.to_ascii_lowercase())
}

/// A hash `verify --expect` looks for, with the chain length it was taken at when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedHash {
    /// 64 hexadecimal digits, lower-cased.
    pub hash: String,
    /// `N` of `HASH (N entries)` as on an export's Cover: the hash must then be entry N.
    pub entries: Option<i64>,
}

/// Parses `HASH` or `HASH (N entries)` (`(1 entry)` too) as printed on an export's Cover,
/// `_medsec` and `verify`. `None` when the hash is not 64 hexadecimal digits or anything but
/// `(N entries)` follows it.
pub fn parse_expected(text: &str) -> Option<ExpectedHash> {
    let hash = parse_expected_hash(text)?;
    let rest = text.trim_start()[64..].trim();
    if rest.is_empty() {
        return Some(ExpectedHash {
            hash,
            entries: None,
        });
    }
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?.trim();
    let (number, word) = inner.split_once(char::is_whitespace)?;
    if !matches!(word.trim(), "entries" | "entry") {
        return None;
    }
    let entries = number.parse::<i64>().ok().filter(|n| *n >= 0)?;
    Some(ExpectedHash {
        hash,
        entries: Some(entries),
    })
}

/// `1 change`, `2 changes`.
fn changes(n: i64) -> String {
    if n == 1 {
        "1 change".to_string()
    } else {
        format!("{n} changes")
    }
}

/// The name of the check of an expected hash; a problem of it alone is not damage.
pub const EXPECTED_HASH_CHECK: &str = "expected hash";

/// The page check on `conn`: `cipher_integrity_check` (each row it returns names a page whose
/// HMAC fails), with the number and size of pages.
fn check_pages_of(conn: &rusqlite::Connection) -> Check {
    let pages: i64 = conn
        .pragma_query_value(None, "page_count", |r| r.get(0))
        .unwrap_or(0);
    let size: i64 = conn
        .query_row("PRAGMA cipher_page_size", [], |r| {
            r.get::<_, String>(0)
                .map(|t| t.parse().unwrap_or(0))
                .or_else(|_| r.get(0))
        })
        .unwrap_or(0);
    let problems = match conn
        .prepare("PRAGMA cipher_integrity_check")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        }) {
        Ok(rows) => rows,
        Err(e) => vec![format!("the check could not finish: {e}")],
    };
    Check {
        name: "SQLCipher page HMACs",
        covered: format!("{pages} pages of {size} bytes"),
        problems,
    }
}

/// Checks only the pages of the workbook at `path` (their HMACs, with `pass`), without reading
/// its schema: for a file that no longer opens as a workbook because a page read on opening is
/// damaged, this names the damaged pages. Takes no lock and writes nothing.
///
/// Errors: `WrongPassphrase` (the first page fails: a wrong passphrase or a damaged first page
/// look the same), `Io`, `Sqlite`.
pub fn verify_pages(path: &Path, pass: &Passphrase) -> Result<Check, WorkbookError> {
    super::silence_sqlcipher_log();
    let conn = super::keyed_connection(path, pass)?;
    Ok(check_pages_of(&conn))
}

impl Workbook {
    /// Runs every check (see the module documentation); `expect` is a hash from
    /// [`parse_expected`] that must be the head or an entry of the audit chain (entry N when
    /// given with `(N entries)`).
    ///
    /// A check that cannot finish (a page too damaged to read) is reported as a problem of that
    /// check, not as an error, so every check always runs. A workbook of an older schema (opened
    /// with [`Workbook::open_as_is`]) has its pages, integrity and references checked; its
    /// missing audit trail (schema < 6) and attachments (schema < 4) are reported as "none",
    /// not as problems.
    ///
    /// Errors: `Sqlite` when the schema version cannot be read.
    pub fn verify(&self, expect: Option<&ExpectedHash>) -> Result<Verification, WorkbookError> {
        let schema_version = self.schema_version()?;
        let mut checks = vec![
            self.check_pages(),
            self.check_integrity(),
            self.check_foreign_keys(),
        ];
        let audited = self.has_table("audit_entry");
        let (audit, head) = if audited {
            self.check_audit()
        } else {
            (
                Check {
                    name: "audit chain",
                    covered: no_audit_trail(schema_version),
                    problems: Vec::new(),
                },
                AuditHead {
                    length: 0,
                    hash: super::audit::GENESIS.to_string(),
                },
            )
        };
        checks.push(audit);
        checks.push(if self.has_table("attachment") {
            self.check_attachments()
        } else {
            Check {
                name: "attachments",
                covered: format!(
                    "none: written by an older medsec (schema {schema_version}), before attachments"
                ),
                problems: Vec::new(),
            }
        });
        if let Some(expected) = expect {
            checks.push(if audited {
                self.check_expected(expected)
            } else {
                Check {
                    name: EXPECTED_HASH_CHECK,
                    covered: expected.hash.clone(),
                    problems: vec![format!(
                        "{} cannot be in this workbook: it has no audit trail ({})",
                        expected.hash,
                        no_audit_trail(schema_version)
                    )],
                }
            });
        }
        Ok(Verification {
            checks,
            head,
            schema_version,
        })
    }

    /// Whether the workbook has the table `name` (an older schema lacks some).
    fn has_table(&self, name: &str) -> bool {
        self.conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [name],
                |r| r.get::<_, i64>(0),
            )
            .is_ok_and(|n| n > 0)
    }

    fn pragma_rows(&self, pragma: &str) -> rusqlite::Result<Vec<String>> {
        let mut stmt = self.conn.prepare(pragma)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect()
    }

    fn check_pages(&self) -> Check {
        check_pages_of(&self.conn)
    }

    fn check_integrity(&self) -> Check {
        let objects: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'index')",
                [],
                |r| r.get(0),
            )
            .unwrap_or(0);
        let problems = match self.pragma_rows("PRAGMA integrity_check") {
            Ok(rows) if rows.len() == 1 && rows[0] == "ok" => Vec::new(),
            Ok(rows) => {
                // One damaged page shows up as dozens of lines here; the first ones say where.
                let mut lines: Vec<String> = rows
                    .iter()
                    .flat_map(|r| r.lines())
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with("***"))
                    .map(str::to_string)
                    .collect();
                if lines.len() > INTEGRITY_LINES_SHOWN {
                    let more = lines.len() - INTEGRITY_LINES_SHOWN;
                    lines.truncate(INTEGRITY_LINES_SHOWN);
                    lines.push(format!("and {more} more lines like these"));
                }
                lines
            }
            Err(e) => vec![format!("the check could not finish: {e}")],
        };
        Check {
            name: "SQLite integrity",
            covered: format!("{objects} tables and indexes"),
            problems,
        }
    }

    fn check_foreign_keys(&self) -> Check {
        let tables: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                [],
                |r| r.get(0),
            )
            .unwrap_or(0);
        let found = self
            .conn
            .prepare("PRAGMA foreign_key_check")
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        let problems = match found {
            Ok(rows) => rows
                .into_iter()
                .map(|(table, row, parent)| match row {
                    Some(id) => format!("table {table} row {id} refers to a missing {parent} row"),
                    None => format!("table {table}: a row refers to a missing {parent} row"),
                })
                .collect(),
            Err(e) => vec![format!("the check could not finish: {e}")],
        };
        Check {
            name: "foreign keys",
            covered: format!("{tables} tables"),
            problems,
        }
    }

    fn check_audit(&self) -> (Check, AuditHead) {
        match self.verify_audit() {
            Ok(chain) => (
                Check {
                    name: "audit chain",
                    covered: format!("{} entries, head {}", chain.entries, chain.head.hash),
                    problems: chain.problems.iter().map(ToString::to_string).collect(),
                },
                chain.head,
            ),
            Err(e) => (
                Check {
                    name: "audit chain",
                    covered: "the audit trail".into(),
                    problems: vec![format!("the check could not finish: {e}")],
                },
                AuditHead::default(),
            ),
        }
    }

    fn check_attachments(&self) -> Check {
        let rows: rusqlite::Result<Vec<StoredAttachment>> = self
            .conn
            .prepare(
                "SELECT id, file_name, sha256, size, removed_at IS NOT NULL FROM attachment
                 ORDER BY id",
            )
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect()
            });
        let rows = match rows {
            Ok(rows) => rows,
            Err(e) => {
                return Check {
                    name: "attachments",
                    covered: "the attachment list".into(),
                    problems: vec![format!("the check could not finish: {e}")],
                };
            }
        };
        let mut problems = Vec::new();
        let mut bytes_hashed: u64 = 0;
        for (id, name, sha256, size, removed) in &rows {
            let label = attachment_label(*id);
            let live = !removed && matches!(self.attachment(*id), Ok(Some(_)));
            if live {
                match self.attachment_bytes(*id) {
                    Ok((a, _)) => bytes_hashed += a.size,
                    Err(AttachmentError::Tampered(d)) => problems.push(format!(
                        "{} {} ({} {}): its bytes do not match the SHA-256 recorded when it was added (expected {}, found {}; {})",
                        d.label, d.file_name, d.target, d.control_id, d.expected, d.found, d.size_note
                    )),
                    Err(e) => problems.push(format!("{label} {name}: cannot be read: {e}")),
                }
                continue;
            }
            // Removed (or on a deleted device): undo may bring it back, so its bytes count too.
            let bytes: rusqlite::Result<Option<Vec<u8>>> = self
                .conn
                .query_row(
                    "SELECT bytes FROM attachment_data WHERE attachment_id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional();
            match bytes {
                Ok(b) => {
                    let b = b.unwrap_or_default();
                    let found = sha256_hex(&b);
                    if &found != sha256 || b.len() as i64 != *size {
                        problems.push(format!(
                            "{label} {name} (removed): its bytes do not match the SHA-256 recorded when it was added (expected {sha256}, found {found}; {size} bytes recorded, {} found)",
                            b.len()
                        ));
                    } else {
                        bytes_hashed += b.len() as u64;
                    }
                }
                Err(e) => problems.push(format!("{label} {name} (removed): cannot be read: {e}")),
            }
        }
        Check {
            name: "attachments",
            covered: format!(
                "{} attachments, {bytes_hashed} bytes hashed (SHA-256)",
                rows.len()
            ),
            problems,
        }
    }

    fn check_expected(&self, expected: &ExpectedHash) -> Check {
        let hash = expected.hash.as_str();
        let found: rusqlite::Result<Option<(i64, String, String)>> = self
            .conn
            .query_row(
                "SELECT seq, at, summary FROM audit_entry WHERE hash = ?1",
                [hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional();
        let length: i64 = self
            .conn
            .query_row("SELECT count(*) FROM audit_entry", [], |r| r.get(0))
            .unwrap_or(0);
        let (covered, problems) = match found {
            Ok(Some((seq, at, summary))) if expected.entries.is_some_and(|n| n != seq) => (
                format!("{hash} is entry {seq} of {length} ({at} {summary})"),
                vec![format!(
                    "{hash} was given as entry {} but it is entry {seq} of this workbook's audit trail ({at} {summary}): check the number copied with it",
                    expected.entries.unwrap_or_default()
                )],
            ),
            Ok(Some((seq, at, summary))) if seq == length => (
                format!("{hash} is the head (entry {seq}, {at} {summary})"),
                Vec::new(),
            ),
            Ok(Some((seq, at, summary))) => (
                format!(
                    "{hash} is entry {seq} of {length} ({at} {summary}); {} since",
                    changes(length - seq)
                ),
                Vec::new(),
            ),
            Ok(None) => (
                format!("{hash} in {length} entries"),
                vec![format!(
                    "{hash} is not in this workbook's audit trail: it belongs to another workbook, or this trail was rewritten; if the export came from this workbook, keep the file and restore a backup"
                )],
            ),
            Err(e) => (
                hash.to_string(),
                vec![format!("the check could not finish: {e}")],
            ),
        };
        Check {
            name: EXPECTED_HASH_CHECK,
            covered,
            problems,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_expected_hash_is_64_hex_digits_first() {
        let h = "AB".repeat(32);
        assert_eq!(parse_expected_hash(&h), Some("ab".repeat(32)));
        assert_eq!(
            parse_expected_hash(&format!("{h} (17 entries)")),
            Some("ab".repeat(32))
        );
        assert_eq!(parse_expected_hash("abc"), None);
        assert_eq!(parse_expected_hash(&"g".repeat(64)), None);
        assert_eq!(parse_expected_hash(""), None);
    }

    #[test]
    fn an_expected_hash_may_carry_its_entry_count() {
        let h = "ab".repeat(32);
        let at = |entries| ExpectedHash {
            hash: h.clone(),
            entries,
        };
        assert_eq!(parse_expected(&h), Some(at(None)));
        assert_eq!(parse_expected(&format!("  {h}  ")), Some(at(None)));
        assert_eq!(
            parse_expected(&format!("{h} (17 entries)")),
            Some(at(Some(17)))
        );
        assert_eq!(parse_expected(&format!("{h} (1 entry)")), Some(at(Some(1))));
        assert_eq!(parse_expected(&format!("{h} (x entries)")), None);
        assert_eq!(parse_expected(&format!("{h} (17 rows)")), None);
        assert_eq!(parse_expected(&format!("{h} 17")), None);
        assert_eq!(changes(1), "1 change");
        assert_eq!(changes(2), "2 changes");
    }
}
