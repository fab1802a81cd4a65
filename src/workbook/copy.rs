//! Encrypted copies of a workbook: `medsec backup`, the automatic backup before a schema
//! migration, and `medsec rekey` (a copy under a new passphrase renamed over the original).
//!
//! Every copy is written the same way (PRODUCT.md "Storage rules", "Data model"): a temporary
//! file beside the target is created owner-only (0600, whatever the umask; SQLite gives its
//! journal the same mode), the open workbook is attached to it with the key passed as a bound
//! parameter (`ATTACH DATABASE ?1 AS medsec_copy KEY ?2`, so the passphrase is never part of SQL
//! text), `sqlcipher_export` copies every table, index and row, and `user_version` is copied.
//! The copy is then opened on its own with its passphrase and checked: its first 16 bytes are not
//! the plaintext SQLite header, `cipher_integrity_check` and `integrity_check` pass, every table
//! holds as many rows as the original and its audit chain is whole with the expected head. Only
//! then is the file and its folder flushed to disk (`fsync`) and renamed into place. A failure on
//! any path removes the temporary file; a process killed half-way leaves, at worst, a temporary
//! file that does not open with the old passphrase and that the next `rekey` removes.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::{Passphrase, Workbook, WorkbookError, audit, keyed_connection, schema, sql};

/// The first 16 bytes of an unencrypted SQLite file; an encrypted copy never starts with them.
pub const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// How many automatic pre-migration backups of one workbook are kept (the oldest beyond this
/// are removed after a new one is written).
pub const MIGRATION_BACKUPS_KEPT: usize = 5;

/// What a finished copy holds, as checked after writing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// The file written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Rows in all its tables together.
    pub rows: u64,
    /// Its audit chain's head (length 0 for a workbook older than schema 6).
    pub head: audit::AuditHead,
}

/// Where a [`Workbook::rekey`] may be stopped by a test, to prove that an interruption at that
/// point leaves the old workbook opening with the old passphrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RekeyStep {
    /// The temporary file exists, empty.
    Created,
    /// `sqlcipher_export` has written it.
    Exported,
    /// The `rekey` audit entry is appended to it and it has been checked.
    Verified,
    /// It and its folder are flushed to disk; the rename is next.
    Synced,
}

/// The temporary file a copy is written to before it is renamed into place: hidden, beside the
/// target, `.NAME.<what>-tmp` (e.g. `.site.medsec.rekey-tmp`).
pub(crate) fn temp_beside(target: &Path, what: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workbook".into());
    target.with_file_name(format!(".{name}.{what}-tmp"))
}

/// Creates `path` empty and owner-only (0600 on Unix, whatever the umask); fails if it exists.
fn create_owner_only(path: &Path) -> Result<File, WorkbookError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            WorkbookError::AlreadyExists(path.to_path_buf())
        } else {
            WorkbookError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// An I/O error on `path`; a full disk or a file size limit (`ENOSPC`, `EFBIG`) is `DiskFull`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WorkbookError + '_ {
    move |source| {
        use std::io::ErrorKind;
        if matches!(
            source.kind(),
            ErrorKind::StorageFull | ErrorKind::FileTooLarge
        ) {
            return WorkbookError::DiskFull(path.to_path_buf());
        }
        WorkbookError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// `error`, raised while writing the temporary file `temp`, told about `target` instead: the
/// user knows the backup's or the workbook's name, not the hidden temporary one.
fn named_after(error: WorkbookError, temp: &Path, target: &Path) -> WorkbookError {
    let rename = |p: PathBuf| if p == temp { target.to_path_buf() } else { p };
    match error {
        WorkbookError::DiskFull(p) => WorkbookError::DiskFull(rename(p)),
        WorkbookError::Io { path, source } => WorkbookError::Io {
            path: rename(path),
            source,
        },
        WorkbookError::Sqlite { path, source } => WorkbookError::Sqlite {
            path: rename(path),
            source,
        },
        WorkbookError::AlreadyExists(p) => WorkbookError::AlreadyExists(rename(p)),
        WorkbookError::Invalid(m) => WorkbookError::Invalid(
            m.replace(&temp.display().to_string(), &target.display().to_string()),
        ),
        other => other,
    }
}

/// Whether `out` can take a new backup: not a folder (`Io`: "is a folder; give a file name such
/// as OUT/site-backup.medsec"), not an existing file (`AlreadyExists`), in a folder that exists
/// (`Io` naming that folder: "no such folder").
pub fn check_backup_target(out: &Path) -> Result<(), WorkbookError> {
    if out.is_dir() {
        return Err(WorkbookError::Io {
            path: out.to_path_buf(),
            source: std::io::Error::other(format!(
                "is a folder; give a file name such as {}",
                out.join("site-backup.medsec").display()
            )),
        });
    }
    if out.exists() {
        return Err(WorkbookError::AlreadyExists(out.to_path_buf()));
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(WorkbookError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "no such folder; create it or choose another place for {}",
                    out.display()
                ),
            ),
        });
    }
    Ok(())
}

/// Flushes a file and then its folder to disk, so a rename or a new name survives a power cut.
fn sync_file_and_dir(path: &Path) -> Result<(), WorkbookError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(path))?;
    sync_dir(path)
}

/// Flushes the folder holding `path` (its directory entries) to disk. A no-op where folders
/// cannot be opened as files (Windows).
fn sync_dir(path: &Path) -> Result<(), WorkbookError> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&dir))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Row counts of every table of the database `schema_name` (`main` or an attached one), by
/// table name.
fn row_counts(conn: &Connection, schema_name: &str) -> rusqlite::Result<Vec<(String, u64)>> {
    let tables: Vec<String> = conn
        .prepare(&format!(
            "SELECT name FROM {schema_name}.sqlite_master
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ))?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut counts = Vec::with_capacity(tables.len());
    for t in tables {
        let quoted = t.replace('"', "\"\"");
        let n: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {schema_name}.\"{quoted}\""),
            [],
            |r| r.get(0),
        )?;
        counts.push((t, u64::try_from(n).unwrap_or(0)));
    }
    Ok(counts)
}

fn has_audit_table(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_entry'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// The audit head, or an empty one for a workbook without an audit trail (schema < 6).
fn head_or_empty(conn: &Connection) -> rusqlite::Result<audit::AuditHead> {
    if has_audit_table(conn)? {
        audit::head_in(conn)
    } else {
        Ok(audit::AuditHead {
            length: 0,
            hash: audit::GENESIS.to_string(),
        })
    }
}

/// Writes the database open on `conn` into the empty file `temp`, encrypted with `key`.
fn export_into(conn: &Connection, temp: &Path, key: &Passphrase) -> Result<(), WorkbookError> {
    let fail = |e| {
        if super::disk_full::is_disk_full_writing_copy(temp, &e) {
            WorkbookError::DiskFull(temp.to_path_buf())
        } else {
            sql(temp, e)
        }
    };
    let name = temp.to_str().ok_or_else(|| {
        WorkbookError::Invalid(format!(
            "{}: the folder's name is not valid UTF-8; choose another place for the copy",
            temp.display()
        ))
    })?;
    let key_text = std::str::from_utf8(key.expose())
        .map_err(|_| WorkbookError::Invalid("the passphrase is not valid UTF-8".into()))?;
    conn.execute(
        "ATTACH DATABASE ?1 AS medsec_copy KEY ?2",
        rusqlite::params![name, key_text],
    )
    .map_err(fail)?;
    let result = (|| -> rusqlite::Result<()> {
        conn.pragma_update(Some("medsec_copy"), "cipher_compatibility", 4)?;
        conn.query_row("SELECT sqlcipher_export('medsec_copy')", [], |_| Ok(()))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        conn.pragma_update(Some("medsec_copy"), "user_version", version)?;
        Ok(())
    })();
    let detached = conn.execute("DETACH DATABASE medsec_copy", []);
    result.map_err(fail)?;
    detached.map_err(fail)?;
    Ok(())
}

/// What the copy must match: the original's row counts and audit head (after any entry
/// appended to the copy).
struct Expected {
    counts: Vec<(String, u64)>,
    head: audit::AuditHead,
}

/// Opens the copy at `temp` with `key` on its own and checks it (see the module documentation);
/// returns its rows in total and its head.
fn check_copy(
    temp: &Path,
    key: &Passphrase,
    expected: &Expected,
) -> Result<(u64, audit::AuditHead), WorkbookError> {
    let mut first = [0u8; 16];
    File::open(temp)
        .and_then(|mut f| f.read_exact(&mut first))
        .map_err(io(temp))?;
    if &first == PLAINTEXT_HEADER {
        return Err(WorkbookError::Invalid(format!(
            "{}: the copy was written unencrypted; it was removed",
            temp.display()
        )));
    }
    let conn = keyed_connection(temp, key)?;
    let bad = |what: &str| {
        WorkbookError::Invalid(format!(
            "{}: the copy does not match the workbook ({what}); it was removed and the workbook is unchanged",
            temp.display()
        ))
    };
    let cipher: Vec<String> = conn
        .prepare("PRAGMA cipher_integrity_check")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(|e| sql(temp, e))?;
    if !cipher.is_empty() {
        return Err(bad(&format!(
            "cipher_integrity_check: {}",
            cipher.join("; ")
        )));
    }
    let integrity: String = conn
        .query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))
        .map_err(|e| sql(temp, e))?;
    if integrity != "ok" {
        return Err(bad(&format!("integrity_check: {integrity}")));
    }
    let counts = row_counts(&conn, "main").map_err(|e| sql(temp, e))?;
    if counts != expected.counts {
        let differ: Vec<String> = expected
            .counts
            .iter()
            .filter(|c| !counts.contains(c))
            .map(|(t, n)| {
                let found = counts
                    .iter()
                    .find(|(u, _)| u == t)
                    .map_or("none".to_string(), |(_, m)| m.to_string());
                format!("{t}: {n} rows expected, {found} found")
            })
            .collect();
        return Err(bad(&differ.join(", ")));
    }
    let head = head_or_empty(&conn).map_err(|e| sql(temp, e))?;
    if head != expected.head {
        return Err(bad(&format!(
            "audit head {} ({} entries) expected, {} ({} entries) found",
            expected.head.hash, expected.head.length, head.hash, head.length
        )));
    }
    if has_audit_table(&conn).map_err(|e| sql(temp, e))? {
        let chain = audit::check_in(&conn).map_err(|e| sql(temp, e))?;
        if let Some(p) = chain.problems.first() {
            return Err(bad(&p.to_string()));
        }
    }
    let rows = counts.iter().map(|(_, n)| n).sum();
    Ok((rows, head))
}

/// Writes a verified encrypted copy of `conn`'s database (the workbook at `source`) to the
/// temporary file `temp` with `key`, appending `entry` to the copy's audit trail first when one
/// is given, and flushes it to disk. `stop` is asked at each step whether to stop there (tests).
/// On an error the temporary file is removed; on a stop it is left as a killed process would.
fn write_copy(
    conn: &Connection,
    temp: &Path,
    key: &Passphrase,
    entry: Option<audit::NewEntry>,
    stop: &mut dyn FnMut(RekeyStep) -> bool,
) -> Result<Option<(u64, audit::AuditHead)>, WorkbookError> {
    let file = create_owner_only(temp)?;
    drop(file);
    let result = (|| {
        if stop(RekeyStep::Created) {
            return Ok(None);
        }
        let mut counts = row_counts(conn, "main").map_err(|e| sql(temp, e))?;
        let mut head = head_or_empty(conn).map_err(|e| sql(temp, e))?;
        export_into(conn, temp, key)?;
        if stop(RekeyStep::Exported) {
            return Ok(None);
        }
        if let Some(entry) = entry {
            let mut copy = keyed_connection(temp, key)?;
            let tx = copy.transaction().map_err(|e| sql(temp, e))?;
            audit::append(&tx, entry).map_err(|e| sql(temp, e))?;
            head = audit::head_in(&tx).map_err(|e| sql(temp, e))?;
            tx.commit().map_err(|e| sql(temp, e))?;
            if let Some(c) = counts.iter_mut().find(|(t, _)| t == "audit_entry") {
                c.1 += 1;
            }
        }
        let checked = check_copy(temp, key, &Expected { counts, head })?;
        if stop(RekeyStep::Verified) {
            return Ok(None);
        }
        sync_file_and_dir(temp)?;
        if stop(RekeyStep::Synced) {
            return Ok(None);
        }
        Ok(Some(checked))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(temp);
        let _ = std::fs::remove_file(journal_of(temp));
    }
    result
}

/// SQLite's rollback journal beside a database file.
fn journal_of(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-journal");
    PathBuf::from(name)
}

/// Moves `temp` to `out` unless `out` exists (then `AlreadyExists`, `temp` removed): a hard
/// link (atomic, never replaces), else — on file systems without links — a check and a rename.
fn place_without_replacing(temp: &Path, out: &Path) -> Result<(), WorkbookError> {
    match std::fs::hard_link(temp, out) {
        Ok(()) => {
            std::fs::remove_file(temp).map_err(io(temp))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(temp);
            return Err(WorkbookError::AlreadyExists(out.to_path_buf()));
        }
        Err(_) => {
            if out.exists() {
                let _ = std::fs::remove_file(temp);
                return Err(WorkbookError::AlreadyExists(out.to_path_buf()));
            }
            std::fs::rename(temp, out).map_err(io(out))?;
        }
    }
    sync_dir(out)
}

impl Workbook {
    /// Writes an encrypted copy of the workbook to `out` under the same passphrase `pass` (the
    /// one it was opened with), owner-only, checked after writing (see the module
    /// documentation) and flushed to disk. Never replaces a file: `out` must not exist. A shared
    /// lock is enough; the copy is one consistent snapshot.
    ///
    /// Errors: `AlreadyExists` (nothing written), `Io` naming `out` when it is a folder or
    /// naming its folder when that is missing (see [`check_backup_target`]), `WrongPassphrase`
    /// (`pass` is not this workbook's), `Invalid` (the copy did not check out; it was removed),
    /// `DiskFull` (no room, or the file size limit: the partial copy was removed), `Io`,
    /// `Sqlite`. Errors name `out`, never the hidden temporary file.
    pub fn backup(&self, out: &Path, pass: &Passphrase) -> Result<CopyReport, WorkbookError> {
        check_backup_target(out)?;
        // The passphrase must be this workbook's, or the copy would open with another one.
        keyed_connection(&self.path, pass)?;
        let temp = temp_beside(out, "backup");
        // A leftover of a killed backup to the same name holds nothing another key opens.
        let _ = std::fs::remove_file(&temp);
        let _ = std::fs::remove_file(journal_of(&temp));
        // No other process writes meanwhile: writers need the exclusive lock, and we hold a
        // lock ourselves.
        let (rows, head) = write_copy(&self.conn, &temp, pass, None, &mut |_| false)
            .and_then(|done| {
                done.ok_or_else(|| {
                    WorkbookError::Invalid(format!("{}: copy stopped", temp.display()))
                })
            })
            .and_then(|copied| place_without_replacing(&temp, out).map(|()| copied))
            .map_err(|e| named_after(e, &temp, out))?;
        let bytes = std::fs::metadata(out).map_err(io(out))?.len();
        Ok(CopyReport {
            path: out.to_path_buf(),
            bytes,
            rows,
            head,
        })
    }

    /// Changes the passphrase to `new`: writes an encrypted copy under `new` beside the
    /// workbook, appends a `rekey` entry ("passphrase changed") to the copy's audit trail,
    /// checks the copy (same rows, the chain whole with the old head plus that entry), flushes it
    /// and its folder, renames it over the workbook and flushes the folder again; then this
    /// workbook continues on the new file, still holding the exclusive lock. Until the rename the
    /// workbook file is untouched and opens with the old passphrase.
    ///
    /// Needs `Access::Write`. Errors: `Invalid` (opened read-only, `new` under 10 characters,
    /// or the copy did not check out), `Io`, `Sqlite`.
    pub fn rekey(&mut self, new: &Passphrase) -> Result<CopyReport, WorkbookError> {
        self.rekey_stopping(new, &mut |_| false).and_then(|r| {
            r.ok_or_else(|| WorkbookError::Invalid("the passphrase change was stopped".into()))
        })
    }

    /// [`Workbook::rekey`], asking `stop` at each step whether to stop there as a killed process
    /// would (leaving the temporary file); `Ok(None)` when stopped.
    pub(crate) fn rekey_stopping(
        &mut self,
        new: &Passphrase,
        stop: &mut dyn FnMut(RekeyStep) -> bool,
    ) -> Result<Option<CopyReport>, WorkbookError> {
        if self.access != super::Access::Write {
            return Err(WorkbookError::Invalid(
                "changing the passphrase needs the workbook open for writing".into(),
            ));
        }
        if new.chars() < super::passphrase::MIN_NEW_PASSPHRASE_CHARS {
            return Err(WorkbookError::Invalid(
                super::PassphraseError::TooShort.to_string(),
            ));
        }
        let temp = temp_beside(&self.path, "rekey");
        // A leftover of an interrupted rekey: we hold the workbook's exclusive lock, so no other
        // rekey is writing it.
        let _ = std::fs::remove_file(&temp);
        let _ = std::fs::remove_file(journal_of(&temp));
        let entry = self.new_entry("rekey", "passphrase changed", Vec::new());
        let written = write_copy(&self.conn, &temp, new, Some(entry), stop)
            .map_err(|e| named_after(e, &temp, &self.path))?;
        let Some((rows, head)) = written else {
            return Ok(None);
        };
        // Lock the copy before it takes the workbook's name, so no other process slips in.
        let lock = File::open(&temp).map_err(io(&temp))?;
        super::lock::exclusive(&lock, &temp)?;
        std::fs::rename(&temp, &self.path).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            io(&self.path)(e)
        })?;
        sync_dir(&self.path)?;
        // Opened by its final name: SQLite names the rollback journal after the path it opened.
        let conn = keyed_connection(&self.path, new)?;
        // The old connection and lock refer to the replaced file; continue on the new one.
        self.conn = conn;
        self._lock = lock;
        let bytes = std::fs::metadata(&self.path).map_err(io(&self.path))?.len();
        Ok(Some(CopyReport {
            path: self.path.clone(),
            bytes,
            rows,
            head,
        }))
    }

    /// The automatic backup written before the schema migration of this open (see
    /// [`Workbook::open`]), if there was one.
    pub fn pre_migration_backup(&self) -> Option<&Path> {
        self.migration_backup.as_deref()
    }
}

/// The name of an automatic backup of `workbook` made before migrating to `schema` at `stamp`
/// (`YYYYMMDDTHHMMSSZ`, UTC): `NAME.pre-vSCHEMA-STAMP.bak` beside it, e.g.
/// `site.medsec.pre-v6-20261129T221100Z.bak`.
pub fn migration_backup_name(workbook: &Path, schema: i64, stamp: &str) -> PathBuf {
    let name = workbook
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workbook".into());
    workbook.with_file_name(format!("{name}.pre-v{schema}-{stamp}.bak"))
}

/// Writes the automatic encrypted backup of the workbook open on `conn` at `path` (schema
/// `found`, older than this build's) before it is migrated, then removes the oldest such backups
/// beyond [`MIGRATION_BACKUPS_KEPT`]. Returns the backup's path.
///
/// Errors: `Io`, `Sqlite`, `Invalid` (the copy did not check out) — the migration must not run
/// then.
pub(super) fn backup_before_migration(
    conn: &Connection,
    path: &Path,
    pass: &Passphrase,
) -> Result<PathBuf, WorkbookError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let mut out = migration_backup_name(path, schema::SCHEMA_VERSION, &stamp);
    let mut n = 1;
    while out.exists() {
        n += 1;
        out = migration_backup_name(path, schema::SCHEMA_VERSION, &format!("{stamp}-{n}"));
    }
    let temp = temp_beside(&out, "backup");
    let _ = std::fs::remove_file(&temp);
    write_copy(conn, &temp, pass, None, &mut |_| false)
        .and_then(|_| place_without_replacing(&temp, &out))
        .map_err(|e| named_after(e, &temp, &out))?;
    prune_migration_backups(path);
    Ok(out)
}

/// The automatic backups of `workbook` beside it, oldest first (by the time in their names).
pub fn migration_backups(workbook: &Path) -> Vec<PathBuf> {
    let Some(name) = workbook
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
    else {
        return Vec::new();
    };
    let dir = match workbook.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let prefix = format!("{name}.pre-v");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            let rest = file.strip_prefix(&prefix)?.strip_suffix(".bak")?;
            // `6-20261129T221100Z` or `6-20261129T221100Z-2`: order by time, then counter.
            let (_, when) = rest.split_once('-')?;
            let (stamp, counter) = match when.split_once('-') {
                Some((s, c)) => (s, c.parse::<u32>().ok()?),
                None => (when, 1),
            };
            if stamp.len() != 16 || !stamp.ends_with('Z') {
                return None;
            }
            Some((format!("{stamp}{counter:010}"), e.path()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// Removes the oldest automatic backups of `workbook` beyond [`MIGRATION_BACKUPS_KEPT`]. A file
/// that cannot be removed is left (the new backup is what matters).
fn prune_migration_backups(workbook: &Path) {
    let all = migration_backups(workbook);
    let extra = all.len().saturating_sub(MIGRATION_BACKUPS_KEPT);
    for old in all.into_iter().take(extra) {
        let _ = std::fs::remove_file(old);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::workbook::{Access, AssessmentMeta, DeviceChange, FieldSource};

    const OLD: &str = "correct horse battery staple";
    const NEW: &str = "a brand new passphrase";

    fn pass(text: &str) -> Passphrase {
        Passphrase::new(text.into())
    }

    fn workbook(dir: &Path) -> (Workbook, PathBuf) {
        let path = dir.join("w.medsec");
        let mut wb = Workbook::create(
            &path,
            &pass(OLD),
            AssessmentMeta {
                assessor: "A. Assessor".into(),
                ..AssessmentMeta::default()
            },
        )
        .unwrap();
        let change = DeviceChange {
            values: vec![
                ("name", "Infusion pump 7".to_string()),
                ("serial_number", "SN-TRUST-0042".into()),
            ],
            ..DeviceChange::default()
        };
        wb.add_device(&change, FieldSource::Typed).unwrap();
        (wb, path)
    }

    fn device_names(wb: &Workbook) -> Vec<String> {
        wb.devices()
            .unwrap()
            .into_iter()
            .map(|d| d.get("name").to_string())
            .collect()
    }

    #[test]
    fn a_backup_is_encrypted_owner_only_checked_and_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let (wb, _) = workbook(dir.path());
        let out = dir.path().join("copy.medsec");
        let report = wb.backup(&out, &pass(OLD)).unwrap();
        assert_eq!(report.head, wb.audit_head().unwrap());
        assert!(report.rows > 0);
        let bytes = std::fs::read(&out).unwrap();
        assert_ne!(&bytes[..16], PLAINTEXT_HEADER);
        assert_eq!(bytes.len() as u64, report.bytes);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file is left beside it.
        assert!(!temp_beside(&out, "backup").exists());
        // It opens with the same passphrase and holds the same devices and chain.
        let copy = Workbook::open(&out, &pass(OLD), Access::Read).unwrap();
        assert_eq!(device_names(&copy), vec!["Infusion pump 7".to_string()]);
        assert_eq!(copy.audit_head().unwrap(), wb.audit_head().unwrap());
        drop(copy);
        // Never over an existing file: the copy is untouched.
        assert!(matches!(
            wb.backup(&out, &pass(OLD)),
            Err(WorkbookError::AlreadyExists(p)) if p == out
        ));
        assert_eq!(std::fs::read(&out).unwrap(), bytes);
        // Another passphrase than the workbook's is refused before anything is written.
        let other = dir.path().join("other.medsec");
        assert!(matches!(
            wb.backup(&other, &pass("not the passphrase")),
            Err(WorkbookError::WrongPassphrase(_))
        ));
        assert!(!other.exists());
    }

    #[test]
    fn rekey_replaces_the_file_and_records_the_change() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wb, path) = workbook(dir.path());
        let before = wb.audit_head().unwrap();
        let report = wb.rekey(&pass(NEW)).unwrap();
        assert_eq!(report.head.length, before.length + 1);
        // The session goes on, on the new file, and can still write.
        assert_eq!(wb.audit_head().unwrap(), report.head);
        let entries = wb
            .audit_entries(&crate::workbook::AuditFilter::default())
            .unwrap();
        let last = entries.last().unwrap();
        assert_eq!(
            (last.action.as_str(), last.summary.as_str()),
            ("rekey", "passphrase changed")
        );
        assert_eq!(last.prev_hash, before.hash);
        let change = DeviceChange {
            values: vec![("name", "Ventilator".to_string())],
            ..DeviceChange::default()
        };
        wb.add_device(&change, FieldSource::Typed).unwrap();
        assert!(wb.verify(None).unwrap().is_sound());
        drop(wb);
        assert!(matches!(
            Workbook::open(&path, &pass(OLD), Access::Read),
            Err(WorkbookError::WrongPassphrase(_))
        ));
        let wb = Workbook::open(&path, &pass(NEW), Access::Read).unwrap();
        assert_eq!(device_names(&wb).len(), 2);
        assert!(!temp_beside(&path, "rekey").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn rekey_holds_the_lock_on_the_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wb, path) = workbook(dir.path());
        wb.rekey(&pass(NEW)).unwrap();
        assert!(matches!(
            Workbook::open(&path, &pass(NEW), Access::Read),
            Err(WorkbookError::InUse { .. })
        ));
    }

    #[test]
    fn rekey_stopped_at_any_step_leaves_the_old_workbook_opening_with_the_old_passphrase() {
        for at in [
            RekeyStep::Created,
            RekeyStep::Exported,
            RekeyStep::Verified,
            RekeyStep::Synced,
        ] {
            let dir = tempfile::tempdir().unwrap();
            let (mut wb, path) = workbook(dir.path());
            let head = wb.audit_head().unwrap();
            let original = std::fs::read(&path).unwrap();
            let stopped = wb.rekey_stopping(&pass(NEW), &mut |s| s == at).unwrap();
            assert!(stopped.is_none(), "{at:?}");
            // As if the process died here: the temporary file is left behind...
            let temp = temp_beside(&path, "rekey");
            assert!(temp.exists(), "{at:?}");
            drop(wb);
            // ...the workbook is byte for byte what it was and opens with the old passphrase...
            assert_eq!(std::fs::read(&path).unwrap(), original, "{at:?}");
            let wb = Workbook::open(&path, &pass(OLD), Access::Write).unwrap();
            assert_eq!(wb.audit_head().unwrap(), head, "{at:?}");
            assert!(wb.verify(None).unwrap().is_sound(), "{at:?}");
            // ...the leftover does not open with the old passphrase (it is harmless)...
            if std::fs::metadata(&temp).unwrap().len() > 0 {
                assert!(
                    Workbook::open(&temp, &pass(OLD), Access::Read).is_err(),
                    "{at:?}"
                );
            }
            // ...and the next rekey removes it and succeeds.
            let mut wb = wb;
            wb.rekey(&pass(NEW)).unwrap();
            assert!(!temp.exists(), "{at:?}");
        }
    }

    #[test]
    fn rekey_needs_write_access_and_a_long_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let (wb, path) = workbook(dir.path());
        drop(wb);
        let mut read = Workbook::open(&path, &pass(OLD), Access::Read).unwrap();
        assert!(matches!(
            read.rekey(&pass(NEW)),
            Err(WorkbookError::Invalid(m)) if m.contains("writing")
        ));
        drop(read);
        let mut wb = Workbook::open(&path, &pass(OLD), Access::Write).unwrap();
        assert!(matches!(
            wb.rekey(&pass("short")),
            Err(WorkbookError::Invalid(m)) if m.contains("10 characters")
        ));
        assert!(!temp_beside(&path, "rekey").exists());
    }

    /// A workbook as the previous release (schema 5) wrote it, made with SQL alone.
    fn version_5_workbook(path: &Path) {
        let conn = Connection::open(path).unwrap();
        conn.pragma_update(None, "key", OLD).unwrap();
        conn.pragma_update(None, "cipher_compatibility", 4).unwrap();
        for m in &schema::MIGRATIONS[..5] {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", 5).unwrap();
        conn.execute_batch(
            "INSERT INTO assessment (id, workbook_id, assessor, catalog_version, created_at,
                 next_device_no)
             VALUES (1, 'wb-v5', 'A. Assessor', '1', '2026-01-01T08:00:00Z', 2);
             INSERT INTO device (id, uuid, number, created_at, updated_at, name)
             VALUES (1, 'uuid-1', 1, '2026-01-01T08:00:00Z', '2026-01-01T08:00:00Z', 'Old pump');",
        )
        .unwrap();
    }

    #[test]
    fn an_older_schema_is_backed_up_before_it_is_migrated_and_five_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.medsec");
        version_5_workbook(&path);
        let original = std::fs::read(&path).unwrap();
        // A read-only open neither migrates nor backs up.
        assert!(Workbook::open(&path, &pass(OLD), Access::Read).is_err());
        assert!(migration_backups(&path).is_empty());
        let wb = Workbook::open(&path, &pass(OLD), Access::Write).unwrap();
        let backup = wb.pre_migration_backup().unwrap().to_path_buf();
        drop(wb);
        let name = backup.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("old.medsec.pre-v6-") && name.ends_with("Z.bak"),
            "{name}"
        );
        assert_eq!(migration_backups(&path), vec![backup.clone()]);
        // The backup is the old schema, encrypted, same passphrase, same rows.
        let bytes = std::fs::read(&backup).unwrap();
        assert_ne!(&bytes[..16], PLAINTEXT_HEADER);
        assert_ne!(bytes, original, "a fresh salt: not a byte copy");
        let conn = keyed_connection(&backup, &pass(OLD)).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 5);
        let name: String = conn
            .query_row("SELECT name FROM device", [], |r| r.get(0))
            .unwrap();
        assert_eq!(name, "Old pump");
        drop(conn);
        // A second open of the migrated workbook makes no backup.
        let wb = Workbook::open(&path, &pass(OLD), Access::Write).unwrap();
        assert!(wb.pre_migration_backup().is_none());
        drop(wb);
        // Older backups beyond five are removed, the newest kept: 1 real + 5 planted + 1 new = 7,
        // so the two oldest planted ones go.
        for stamp in [
            "20250101T000000Z",
            "20250102T000000Z",
            "20250103T000000Z",
            "20250104T000000Z",
            "20250105T000000Z",
        ] {
            std::fs::write(migration_backup_name(&path, 6, stamp), b"old").unwrap();
        }
        std::fs::write(
            dir.path().join("other.medsec.pre-v6-20250101T000000Z.bak"),
            b"x",
        )
        .unwrap();
        version_5_workbook(&dir.path().join("second.medsec"));
        std::fs::remove_file(&path).unwrap();
        std::fs::copy(dir.path().join("second.medsec"), &path).unwrap();
        let wb = Workbook::open(&path, &pass(OLD), Access::Write).unwrap();
        let newest = wb.pre_migration_backup().unwrap().to_path_buf();
        let kept = migration_backups(&path);
        assert_eq!(kept.len(), MIGRATION_BACKUPS_KEPT);
        assert_eq!(kept.last(), Some(&newest));
        assert!(!migration_backup_name(&path, 6, "20250101T000000Z").exists());
        assert!(!migration_backup_name(&path, 6, "20250102T000000Z").exists());
        assert!(migration_backup_name(&path, 6, "20250103T000000Z").exists());
        assert!(kept.contains(&backup));
        // Another workbook's backups are not touched.
        assert!(
            dir.path()
                .join("other.medsec.pre-v6-20250101T000000Z.bak")
                .exists()
        );
    }
}
