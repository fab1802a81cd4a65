//! The encrypted workbook: one SQLCipher file holding the whole assessment.
//!
//! Opening follows PRODUCT.md "Storage rules": SQLCipher logging silenced process-wide before
//! any key is given, the key set first, cipher settings pinned (`cipher_compatibility = 4`),
//! the key verified by reading `sqlite_master`, then rollback journal (one file),
//! `synchronous = FULL`, in-memory temp store, foreign keys on, and migrations on
//! `PRAGMA user_version`. A process that may write holds an exclusive OS lock on the file for its
//! whole life; read-only commands hold a shared one. Every change is committed when made, and
//! recorded as one undo step in the same transaction (see [`Workbook::undo`]).

mod answers;
mod attachments;
pub mod audit;
pub mod catalog_upgrade;
mod copy;
mod devices;
mod disk_full;
mod feeds;
mod findings;
mod import_batch;
mod lock;
mod mds2;
mod merge;
pub mod passphrase;
mod risk;
mod sbom;
pub mod schema;
mod snapshot;
mod targets;
mod undo;
mod verify;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::risk::RiskGrid;
pub use answers::{AnswerInput, AnswerRow, BulkPreview};
pub use attachments::{
    Attachment, AttachmentError, AttachmentFilter, AttachmentLimit, DEFAULT_ATTACHMENT_LIMIT,
    Damage, MAX_ATTACHMENT_LIMIT, attachment_label, parse_attachment_id,
};
pub use audit::{AuditChange, AuditCheck, AuditEntry, AuditFilter, AuditHead, AuditProblem};
pub use copy::{
    CopyReport, MIGRATION_BACKUPS_KEPT, PLAINTEXT_HEADER, check_backup_target,
    migration_backup_name, migration_backups,
};
pub use devices::{DeviceChange, FieldSource};
pub use feeds::{FeedAction, FeedImportLine, KevChanges, StoredFeed};
pub use findings::{
    FindingState, RefreshOutcome, VulnFinding, format_finding_id, parse_finding_id,
};
pub use import_batch::{
    AnswerEdit, BatchOutcome, BatchTarget, ChangeTimes, ImportBatch, RiskEdit, check_risk_entry,
};
pub use mds2::{Mds2Outcome, StoredMds2, mds2_for};
pub use merge::{
    AddedDevice, AddedRow, DeviceMatch, FeedTaken, FieldDiff, MatchedBy, MergeOutcome, MergePlan,
    Side, SideValue, value_text,
};
pub use passphrase::{Passphrase, PassphraseError, PassphraseSources};
pub use risk::{Due, RiskEntry, RiskEntryInput};
pub use sbom::{SbomImport, StoredSbom};
pub use undo::{ChangeStep, UNDO_STEP_ROWS, UNDO_STEPS};
pub use verify::{
    Check, EXPECTED_HASH_CHECK, ExpectedHash, Verification, parse_expected, parse_expected_hash,
    verify_pages,
};

use crate::catalog::{Catalog, catalog};

/// What a command intends to do with the workbook, which decides the lock it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Only reads: a shared lock, so several readers may run at once.
    Read,
    /// May write: an exclusive lock for the life of the process.
    Write,
}

/// Errors of opening, creating and changing a workbook. Each names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum WorkbookError {
    /// The passphrase does not open the file, or the file is not a medsec workbook (exit 3).
    #[error("{0}: wrong passphrase, or not a medsec workbook")]
    WrongPassphrase(PathBuf),
    /// The file does not exist.
    #[error("{0}: no such workbook (create one with `medsec init PATH`)")]
    NotFound(PathBuf),
    /// `init` was asked to create a file that exists.
    #[error("{0} already exists; choose another path (nothing was changed)")]
    AlreadyExists(PathBuf),
    /// Another process holds the lock (exit 5).
    #[error(
        "{path}: the workbook is in use by another medsec process{}; close it and try again",
        if *.writing { "" } else { " that may write to it (e.g. the TUI)" }
    )]
    InUse {
        /// The workbook.
        path: PathBuf,
        /// Whether we wanted to write (then any other holder blocks us; when we only wanted to
        /// read, the holder is a process that may write).
        writing: bool,
    },
    /// Written by a newer medsec (exit 6).
    #[error(
        "{path} was written by a newer medsec (schema {found}, this build knows {known}); update medsec to open it"
    )]
    NewerVersion {
        /// The workbook.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// A device reference matches no device.
    #[error("no device {0} (see `medsec device list`)")]
    NoSuchDevice(String),
    /// A device reference matches several devices (usage error, exit 2).
    #[error("{reference} matches {count} devices by asset tag; use the device ID (DEV-....)")]
    AmbiguousDevice {
        /// The reference given.
        reference: String,
        /// How many devices it matches.
        count: usize,
    },
    /// A value does not fit a field or an answer.
    #[error("{0}")]
    Invalid(String),
    /// An I/O error on the workbook file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The disk (or the process's file size limit) had no room for a change: SQLite rolled it
    /// back, so nothing of it was saved (see `disk_full`; exit 1).
    #[error(
        "disk full (or file size limit) while writing {0}: nothing of this change was saved; free some space and try again"
    )]
    DiskFull(PathBuf),
    /// An error from SQLite / SQLCipher.
    #[error("{path}: database error: {source}")]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// The error.
        source: rusqlite::Error,
    },
}

/// Metadata set when the workbook is created (`medsec init --org --site --assessor --title`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssessmentMeta {
    /// The workbook's UUID, shared by its copies (`_medsec` `workbook_id`).
    pub workbook_id: String,
    /// Assessment title.
    pub title: String,
    /// Organisation (client hospital).
    pub organisation: String,
    /// Site(s).
    pub site: String,
    /// Assessor name(s): the identity written on answers and exports (never the OS login).
    pub assessor: String,
    /// Scope statement.
    pub scope: String,
    /// Start date, `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// End date, `YYYY-MM-DD`.
    pub end_date: Option<String>,
    /// Catalog version the workbook is assessed against.
    pub catalog_version: String,
    /// When the workbook was created (RFC 3339 UTC).
    pub created_at: String,
    /// The level grid findings are rated with (NIST SP 800-30 Rev. 1 Table I-2 unless edited).
    pub risk_grid: RiskGrid,
}

/// An open workbook. Dropping it closes the database and releases the lock.
pub struct Workbook {
    conn: Connection,
    path: PathBuf,
    access: Access,
    meta: AssessmentMeta,
    // What opening it with this build's catalog changed (see `catalog_upgrade`).
    catalog_upgrade: Option<catalog_upgrade::CatalogUpgrade>,
    // The name this session's changes are recorded under (see `audit`).
    actor: String,
    // The automatic backup written before this open migrated the schema (see `copy`).
    migration_backup: Option<PathBuf>,
    // Held for the workbook's life; released on drop or when the process dies.
    _lock: File,
}

static SILENCE: Once = Once::new();

/// Silences SQLCipher's logging for the whole process (it writes to stderr by default, e.g. on
/// a wrong key, which would corrupt the TUI). Called before any connection is keyed.
pub fn silence_sqlcipher_log() {
    SILENCE.call_once(|| {
        if let Ok(conn) = Connection::open_in_memory() {
            let _ = conn.pragma_update(None, "cipher_log_level", "NONE");
            let _ = conn.pragma_update(None, "cipher_log", "off");
        }
    });
}

pub(crate) fn now_utc() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Workbook {
    /// Creates a new encrypted workbook at `path` (which must not exist), owner-only (0600; any
    /// folders made for it 0700), with the built-in catalog and `meta`'s title, organisation,
    /// site, assessor, scope and dates (the start date defaults to today, local), and returns it
    /// opened for writing. The workbook ID, catalog version and creation time are new (`meta`'s
    /// are ignored).
    ///
    /// Errors: `AlreadyExists`, `Io`, `Sqlite`.
    pub fn create(
        path: &Path,
        pass: &Passphrase,
        meta: AssessmentMeta,
    ) -> Result<Workbook, WorkbookError> {
        silence_sqlcipher_log();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            // Folders made for it are owner-only (0700) whatever the umask, like the file.
            let mut dirs = std::fs::DirBuilder::new();
            dirs.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                dirs.mode(0o700);
            }
            dirs.create(parent).map_err(|source| WorkbookError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let lock = match options.open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(WorkbookError::AlreadyExists(path.to_path_buf()));
            }
            Err(source) => {
                return Err(WorkbookError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        lock::exclusive(&lock, path)?;
        let result = Self::initialise(path, pass, meta, lock);
        if result.is_err() {
            // Nothing was handed to the user yet: leave no half-made file behind.
            let _ = std::fs::remove_file(path);
        }
        result
    }

    fn initialise(
        path: &Path,
        pass: &Passphrase,
        meta: AssessmentMeta,
        lock: File,
    ) -> Result<Workbook, WorkbookError> {
        let conn = keyed_connection(path, pass)?;
        let mut wb = Workbook {
            conn,
            path: path.to_path_buf(),
            access: Access::Write,
            meta: AssessmentMeta::default(),
            catalog_upgrade: None,
            actor: String::new(),
            migration_backup: None,
            _lock: lock,
        };
        wb.migrate()?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_utc();
        let cat = catalog();
        let tx = wb.conn.transaction().map_err(|e| sql(path, e))?;
        tx.execute(
            "INSERT INTO assessment (id, workbook_id, title, organisation, site, assessor, scope,
                 start_date, end_date, catalog_version, created_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                id,
                meta.title,
                meta.organisation,
                meta.site,
                meta.assessor,
                meta.scope,
                meta.start_date
                    .clone()
                    .unwrap_or_else(|| chrono::Local::now().date_naive().to_string()),
                meta.end_date,
                cat.version,
                now
            ],
        )
        .map_err(|e| sql(path, e))?;
        snapshot_catalog(&tx, cat).map_err(|e| sql(path, e))?;
        tx.commit().map_err(|e| sql(path, e))?;
        wb.meta = load_meta(&wb.conn).map_err(|e| sql(path, e))?;
        wb.actor = wb.meta.assessor.clone();
        let m = wb.meta.clone();
        let created: Vec<audit::AuditChange> = [
            ("workbook_id", m.workbook_id.clone()),
            ("title", m.title.clone()),
            ("organisation", m.organisation.clone()),
            ("site", m.site.clone()),
            ("assessor", m.assessor.clone()),
            ("scope", m.scope.clone()),
            ("start_date", m.start_date.clone().unwrap_or_default()),
            ("end_date", m.end_date.clone().unwrap_or_default()),
            ("catalog_version", m.catalog_version.clone()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(f, v)| {
            audit::setting_change(
                "assessment",
                "assessment",
                f,
                serde_json::Value::Null,
                v.into(),
            )
        })
        .collect();
        wb.audit_event("create", &format!("workbook created: {}", m.title), created)?;
        Ok(wb)
    }

    /// Opens an existing workbook. `Access::Write` takes an exclusive lock for the workbook's
    /// life, `Access::Read` a shared one. A workbook of an older schema opened for writing is
    /// first copied to `NAME.pre-vN-YYYYMMDDTHHMMSSZ.bak` beside it (encrypted with the same
    /// passphrase, checked; see [`Workbook::pre_migration_backup`]), then migrated.
    ///
    /// Errors: `NotFound`, `InUse` (exit 5), `WrongPassphrase` (exit 3, the file's bytes are
    /// untouched), `NewerVersion` (exit 6), `Io`, `Sqlite`.
    pub fn open(path: &Path, pass: &Passphrase, access: Access) -> Result<Workbook, WorkbookError> {
        let (mut wb, version) = Workbook::open_unmigrated(path, pass, access)?;
        if version < schema::SCHEMA_VERSION {
            if access == Access::Read {
                return Err(WorkbookError::Invalid(format!(
                    "{} needs upgrading; open it once with a command that writes (e.g. `medsec open`)",
                    path.display()
                )));
            }
            // PRODUCT.md "Data model": an automatic encrypted backup beside the workbook first
            // (the last five kept); no backup, no migration.
            wb.migration_backup = Some(copy::backup_before_migration(&wb.conn, path, pass)?);
            wb.migrate()?;
        }
        wb.meta = load_meta(&wb.conn).map_err(|e| sql(path, e))?;
        wb.actor = wb.meta.assessor.clone();
        if version < schema::SCHEMA_VERSION {
            // An upgraded workbook starts its audit trail here (it had none before).
            if wb.audit_head()?.length == 0 {
                wb.audit_event(
                    "migration",
                    &format!(
                        "workbook upgraded from schema {version} to {}; the audit trail starts here (earlier changes were not audited)",
                        schema::SCHEMA_VERSION
                    ),
                    Vec::new(),
                )?;
            }
        }
        if catalog_upgrade::needed(&wb.conn, catalog()).map_err(|e| sql(path, e))? {
            if access == Access::Read {
                return Err(WorkbookError::Invalid(format!(
                    "{} was assessed against another catalog version and needs upgrading; open it once with a command that writes (e.g. `medsec open`)",
                    path.display()
                )));
            }
            let entry = wb.new_entry("catalog", "", Vec::new());
            let tx = wb.conn.transaction().map_err(|e| sql(path, e))?;
            let up = catalog_upgrade::upgrade(&tx, catalog()).map_err(|e| sql(path, e))?;
            let mut entry = entry;
            entry.summary = format!(
                "catalog upgraded from {} to {}",
                wb.meta.catalog_version,
                catalog().version
            );
            entry.changes = up
                .lines(usize::MAX)
                .into_iter()
                .map(|line| {
                    audit::setting_change(
                        "assessment",
                        "catalog",
                        "review",
                        serde_json::Value::Null,
                        line.into(),
                    )
                })
                .collect();
            audit::append(&tx, entry).map_err(|e| sql(path, e))?;
            tx.commit().map_err(|e| sql(path, e))?;
            wb.catalog_upgrade = Some(up);
            wb.meta = load_meta(&wb.conn).map_err(|e| sql(path, e))?;
        }
        Ok(wb)
    }

    /// Opens a workbook to read it as it is, whatever its schema (1 to this build's): a shared
    /// lock, no schema migration, no catalog upgrade, nothing written. For `verify` and
    /// `backup`, which must work on a workbook written by an older medsec (and on the automatic
    /// `NAME.pre-vN-....bak` copies) without upgrading it. On an older schema only
    /// [`Workbook::verify`], [`Workbook::backup`] and [`Workbook::schema_version`] are meant to
    /// be used: other reads may fail on a table or column that schema lacks (`Sqlite`), and
    /// [`Workbook::meta`] is empty.
    ///
    /// Errors: as [`Workbook::open`] with `Access::Read`, without the "needs upgrading" ones.
    pub fn open_as_is(path: &Path, pass: &Passphrase) -> Result<Workbook, WorkbookError> {
        let (mut wb, version) = Workbook::open_unmigrated(path, pass, Access::Read)?;
        if version == schema::SCHEMA_VERSION {
            wb.meta = load_meta(&wb.conn).map_err(|e| sql(path, e))?;
            wb.actor = wb.meta.assessor.clone();
        }
        Ok(wb)
    }

    /// The schema version of the open workbook (`PRAGMA user_version`; see `schema`).
    ///
    /// Errors: `Sqlite`.
    pub fn schema_version(&self) -> Result<i64, WorkbookError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.sql(e))
    }

    /// The lock, the key and the schema version check of [`Workbook::open`], nothing more:
    /// the workbook as found and its schema version (1 to this build's).
    fn open_unmigrated(
        path: &Path,
        pass: &Passphrase,
        access: Access,
    ) -> Result<(Workbook, i64), WorkbookError> {
        silence_sqlcipher_log();
        if !path.is_file() {
            return Err(WorkbookError::NotFound(path.to_path_buf()));
        }
        let file = File::open(path).map_err(|source| WorkbookError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        match access {
            Access::Write => lock::exclusive(&file, path)?,
            Access::Read => lock::shared(&file, path)?,
        }
        // An empty file, or an empty passphrase (SQLCipher calls an empty key a misuse): never
        // a medsec workbook opened with its passphrase.
        if file.metadata().map(|m| m.len()).unwrap_or(0) == 0 || pass.is_empty() {
            return Err(WorkbookError::WrongPassphrase(path.to_path_buf()));
        }
        let conn = keyed_connection(path, pass)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| sql(path, e))?;
        if version > schema::SCHEMA_VERSION {
            return Err(WorkbookError::NewerVersion {
                path: path.to_path_buf(),
                found: version,
                known: schema::SCHEMA_VERSION,
            });
        }
        if version == 0 {
            // Opens with this key but holds no medsec schema.
            return Err(WorkbookError::WrongPassphrase(path.to_path_buf()));
        }
        let wb = Workbook {
            conn,
            path: path.to_path_buf(),
            access,
            meta: AssessmentMeta::default(),
            catalog_upgrade: None,
            actor: String::new(),
            migration_backup: None,
            _lock: file,
        };
        Ok((wb, version))
    }

    /// What opening this workbook with this build's catalog changed, if it was assessed against
    /// another catalog version (answers marked for review, retired controls); `None` otherwise.
    pub fn catalog_upgrade(&self) -> Option<&catalog_upgrade::CatalogUpgrade> {
        self.catalog_upgrade.as_ref()
    }

    /// How many answers still await review after a catalog upgrade (their control's question
    /// changed; they count as unconfirmed suggestions until confirmed).
    ///
    /// Errors: `Sqlite`.
    pub fn pending_catalog_reviews(&self) -> Result<usize, WorkbookError> {
        catalog_upgrade::pending_reviews(&self.conn).map_err(|e| sql(&self.path, e))
    }

    fn migrate(&mut self) -> Result<(), WorkbookError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql(&path, e))?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| sql(&path, e))?;
        let start = usize::try_from(version).unwrap_or(0);
        for (i, step) in schema::MIGRATIONS.iter().enumerate().skip(start) {
            tx.execute_batch(step).map_err(|e| sql(&path, e))?;
            tx.pragma_update(None, "user_version", i as i64 + 1)
                .map_err(|e| sql(&path, e))?;
        }
        tx.commit().map_err(|e| sql(&path, e))
    }

    /// A handle that stops the statement running on this workbook's connection, from any
    /// thread (SQLite `sqlite3_interrupt`): it returns `SQLITE_INTERRUPT`, nothing is changed
    /// by a read, and a write's transaction is rolled back. For a long read done on another
    /// thread (the TUI reading the answers while its first frame is up) that the user leaves.
    pub fn interrupt_handle(&self) -> rusqlite::InterruptHandle {
        self.conn.get_interrupt_handle()
    }

    /// Gives the connection's page cache back (SQLite `PRAGMA shrink_memory`): up to 16 MiB
    /// once a large read is done and the memory is needed for what was read (an export). The
    /// cache fills again as pages are read.
    ///
    /// Errors: `Sqlite`.
    pub fn release_cache(&self) -> Result<(), WorkbookError> {
        self.conn
            .execute_batch("PRAGMA shrink_memory")
            .map_err(|e| sql(&self.path, e))
    }

    /// The workbook's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock this workbook holds.
    pub fn access(&self) -> Access {
        self.access
    }

    /// Assessment metadata.
    pub fn meta(&self) -> &AssessmentMeta {
        &self.meta
    }

    /// The catalog this workbook is assessed against (the built-in one in this version).
    pub fn catalog(&self) -> &'static Catalog {
        catalog()
    }

    /// Reads a UI-state value (walk position, filters) kept inside the encrypted workbook.
    pub fn ui_state(&self, key: &str) -> Result<Option<String>, WorkbookError> {
        self.conn
            .query_row("SELECT value FROM ui_state WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.sql(e))
    }

    /// Stores a UI-state value; committed at once.
    pub fn set_ui_state(&self, key: &str, value: &str) -> Result<(), WorkbookError> {
        self.conn
            .execute(
                "INSERT INTO ui_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.sql(e))
    }

    fn sql(&self, e: rusqlite::Error) -> WorkbookError {
        sql(&self.path, e)
    }
}

fn sql(path: &Path, source: rusqlite::Error) -> WorkbookError {
    if disk_full::is_disk_full(path, &source) {
        return WorkbookError::DiskFull(path.to_path_buf());
    }
    WorkbookError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// An error inside a transaction, before the workbook path is attached.
enum TxError {
    Sql(rusqlite::Error),
    Invalid(String),
}

impl From<rusqlite::Error> for TxError {
    fn from(e: rusqlite::Error) -> Self {
        TxError::Sql(e)
    }
}

impl TxError {
    fn with_path(self, path: &Path) -> WorkbookError {
        match self {
            TxError::Sql(e) => sql(path, e),
            TxError::Invalid(m) => WorkbookError::Invalid(m),
        }
    }
}

/// A fresh connection to `path`, keyed, pinned and verified; then the storage pragmas.
fn keyed_connection(path: &Path, pass: &Passphrase) -> Result<Connection, WorkbookError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| sql(path, e))?;
    conn.key(None::<&str>, pass.expose(), false)
        .map_err(|e| sql(path, e))?;
    conn.pragma_update(None, "cipher_compatibility", 4)
        .map_err(|e| sql(path, e))?;
    let verified: Result<i64, rusqlite::Error> =
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0));
    match verified {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            return Err(WorkbookError::WrongPassphrase(path.to_path_buf()));
        }
        Err(e) => return Err(sql(path, e)),
    }
    conn.pragma_update(None, "journal_mode", "DELETE")
        .map_err(|e| sql(path, e))?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(|e| sql(path, e))?;
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(|e| sql(path, e))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(|e| sql(path, e))?;
    // 16 MiB of page cache (SQLite's default is 2 MiB): a large import or export touches the
    // same index pages again and again, and each page that falls out of the cache costs a
    // decryption and an HMAC check to read back.
    conn.pragma_update(None, "cache_size", -16_384)
        .map_err(|e| sql(path, e))?;
    #[cfg(target_os = "macos")]
    conn.pragma_update(None, "fullfsync", "ON")
        .map_err(|e| sql(path, e))?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(|e| sql(path, e))?;
    // Room for every statement a large import or export repeats per row (rusqlite keeps 16 by
    // default; past that they are prepared again, SQL parsing and all, each time).
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn snapshot_catalog(conn: &Connection, cat: &Catalog) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(
        "INSERT OR REPLACE INTO catalog_control
             (control_id, step, scope, title, question, question_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for step in &cat.steps {
        for c in &step.controls {
            stmt.execute(params![
                c.id,
                step.number,
                c.scope.label(),
                c.title,
                c.question,
                c.question_hash()
            ])?;
        }
    }
    Ok(())
}

fn load_meta(conn: &Connection) -> rusqlite::Result<AssessmentMeta> {
    conn.query_row(
        "SELECT workbook_id, title, organisation, site, assessor, scope, start_date, end_date,
                catalog_version, created_at, risk_grid
         FROM assessment WHERE id = 1",
        [],
        |r| {
            Ok(AssessmentMeta {
                workbook_id: r.get(0)?,
                title: r.get(1)?,
                organisation: r.get(2)?,
                site: r.get(3)?,
                assessor: r.get(4)?,
                scope: r.get(5)?,
                start_date: r.get(6)?,
                end_date: r.get(7)?,
                catalog_version: r.get(8)?,
                created_at: r.get(9)?,
                // A grid that does not parse (edited outside medsec) falls back to NIST's.
                risk_grid: RiskGrid::parse(&r.get::<_, String>(10)?).unwrap_or_default(),
            })
        },
    )
}
