//! The workbook's schema and its migrations, versioned with `PRAGMA user_version`.
//!
//! Each entry of [`MIGRATIONS`] moves the schema one version up; they run in one transaction.
//! A workbook whose `user_version` is above [`SCHEMA_VERSION`] was written by a newer medsec and
//! is refused (exit 6).

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 6;

/// `MIGRATIONS[n]` takes the schema from version `n` to `n + 1`.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6];

/// Version 1: assessment metadata, devices, answers, UI state.
const V1: &str = r#"
CREATE TABLE assessment (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    workbook_id     TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    organisation    TEXT NOT NULL DEFAULT '',
    site            TEXT NOT NULL DEFAULT '',
    assessor        TEXT NOT NULL DEFAULT '',
    scope           TEXT NOT NULL DEFAULT '',
    start_date      TEXT,
    end_date        TEXT,
    catalog_version TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    next_device_no  INTEGER NOT NULL DEFAULT 1
);

-- The catalog the workbook is assessed against (PRODUCT.md "Data model": a catalog snapshot).
CREATE TABLE catalog_control (
    control_id    TEXT PRIMARY KEY,
    step          INTEGER NOT NULL,
    scope         TEXT NOT NULL,
    title         TEXT NOT NULL,
    question      TEXT NOT NULL,
    question_hash TEXT NOT NULL
);

CREATE TABLE device (
    id                          INTEGER PRIMARY KEY,
    uuid                        TEXT NOT NULL UNIQUE,
    number                      INTEGER NOT NULL UNIQUE,
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL,
    deleted_at                  TEXT,
    asset_tag                   TEXT,
    name                        TEXT,
    category                    TEXT,
    manufacturer                TEXT,
    model                       TEXT,
    serial_number               TEXT,
    udi_di                      TEXT,
    nomenclature_code           TEXT,
    regulatory_class            TEXT,
    regulatory_authority        TEXT,
    software_version            TEXT,
    firmware_version            TEXT,
    operating_system            TEXT,
    os_end_of_support           TEXT,
    manufacturer_end_of_support TEXT,
    end_of_life                 TEXT,
    install_date                TEXT,
    site                        TEXT,
    room                        TEXT,
    department                  TEXT,
    clinical_owner              TEXT,
    technical_custodian         TEXT,
    security_contact            TEXT,
    hostname                    TEXT,
    ip_addresses                TEXT,
    mac_addresses               TEXT,
    mac_vendor                  TEXT,
    vlan                        TEXT,
    os_guess                    TEXT,
    network_services            TEXT,
    last_seen                   TEXT,
    connectivity                TEXT,
    internet_required           TEXT,
    cloud_connected             TEXT,
    vendor_remote_access        TEXT,
    phi_stored                  TEXT,
    phi_displayed               TEXT,
    phi_transmitted             TEXT,
    criticality                 TEXT,
    clinical_impact             TEXT,
    mds2_available              TEXT,
    mds2_version                TEXT,
    mds2_document_id            TEXT,
    mds2_date                   TEXT,
    sbom_available              TEXT,
    sbom_format                 TEXT,
    advisory_url                TEXT,
    service_contract_end        TEXT,
    parent_device               TEXT,
    in_scope                    TEXT,
    notes                       TEXT,
    -- JSON array of NetworkService objects (the structured form of network_services)
    services_json               TEXT NOT NULL DEFAULT '[]',
    -- JSON array of [header, value] pairs kept from imported inventories
    extra_json                  TEXT NOT NULL DEFAULT '[]',
    -- JSON object: field key -> who set it last ("typed", "scan", "inventory")
    sources_json                TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX device_asset_tag ON device(asset_tag COLLATE NOCASE);
CREATE INDEX device_serial ON device(serial_number COLLATE NOCASE);
CREATE INDEX device_model ON device(manufacturer COLLATE NOCASE, model COLLATE NOCASE);

-- One answer per (target, control). target_kind is 'device', 'model' or 'site'; target_key is the
-- device's id, or the lower-cased `manufacturer/model` or site name ('' for the default site);
-- target_label keeps the spelling shown in sheets.
CREATE TABLE answer (
    id                  INTEGER PRIMARY KEY,
    target_kind         TEXT NOT NULL CHECK (target_kind IN ('device', 'model', 'site')),
    target_key          TEXT NOT NULL,
    target_label        TEXT NOT NULL DEFAULT '',
    device_id           INTEGER REFERENCES device(id) ON DELETE CASCADE,
    control_id          TEXT NOT NULL REFERENCES catalog_control(control_id),
    response            TEXT CHECK (response IN ('Yes', 'Partial', 'No', 'N/A', 'Unknown')),
    note                TEXT NOT NULL DEFAULT '',
    observed            TEXT NOT NULL DEFAULT '',
    evidence_ref        TEXT NOT NULL DEFAULT '',
    source              TEXT,
    likelihood          INTEGER CHECK (likelihood BETWEEN 1 AND 5),
    impact              INTEGER CHECK (impact BETWEEN 1 AND 5),
    likelihood_default  INTEGER NOT NULL DEFAULT 0,
    impact_default      INTEGER NOT NULL DEFAULT 0,
    recommendation      TEXT NOT NULL DEFAULT '',
    suggested           TEXT,
    deferred_until      TEXT,
    deferral_reason     TEXT NOT NULL DEFAULT '',
    assessed_by         TEXT NOT NULL DEFAULT '',
    assessed_at         TEXT,
    assessed_on         TEXT,
    UNIQUE (target_kind, target_key, control_id)
);
CREATE INDEX answer_device ON answer(device_id);

-- UI state kept inside the encrypted workbook (walk position, filters).
CREATE TABLE ui_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

/// Version 2: the undo history (`change_step`, `change_row`) and risk register entries
/// (`risk_entry`).
const V2: &str = r#"
-- One change made through the workbook API, as the user sees it in undo / redo. Steps are undone
-- newest first; the undone ones are always the newest (recording a new step drops them).
CREATE TABLE change_step (
    -- AUTOINCREMENT: a step's ID is never reused, even after the history is cleared
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    -- when the change was made, RFC 3339 UTC
    at     TEXT NOT NULL,
    -- short and human, e.g. 'answer DEV-0003 ENC-01 Yes'
    label  TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
);

-- Every row one step touched: the whole row before and after the change, as a JSON object of
-- column values; NULL = the row did not exist. table_name is 'answer', 'risk_entry' or 'device'.
CREATE TABLE change_row (
    step_id     INTEGER NOT NULL REFERENCES change_step(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    table_name  TEXT NOT NULL CHECK (table_name IN ('answer', 'risk_entry', 'device')),
    before_json TEXT,
    after_json  TEXT,
    PRIMARY KEY (step_id, seq)
);

-- The risk register entry of one finding: one per (target, control), keyed like `answer`.
-- Issue 4 adds treatment, residual risk and acceptance columns.
CREATE TABLE risk_entry (
    id           INTEGER PRIMARY KEY,
    target_kind  TEXT NOT NULL CHECK (target_kind IN ('device', 'model', 'site')),
    target_key   TEXT NOT NULL,
    target_label TEXT NOT NULL DEFAULT '',
    device_id    INTEGER REFERENCES device(id) ON DELETE CASCADE,
    control_id   TEXT NOT NULL REFERENCES catalog_control(control_id),
    owner        TEXT NOT NULL DEFAULT '',
    -- ISO date (YYYY-MM-DD) or NULL
    due_date     TEXT,
    status       TEXT NOT NULL DEFAULT 'Open' CHECK (status IN ('Open', 'In Progress', 'Closed')),
    -- when it was last set, RFC 3339 UTC
    updated_at   TEXT NOT NULL,
    UNIQUE (target_kind, target_key, control_id)
);
CREATE INDEX risk_entry_device ON risk_entry(device_id);
"#;

/// Version 3: the complete risk register (treatment, planned actions, residual rating,
/// acceptance, review date, the date a finding was first identified and default due dates),
/// per-dimension impacts on answers and the workbook's own level grid.
const V3: &str = r#"
-- NULL = the answer's impact is one number, or a default (then the register shows the devices'
-- defaults); set = the assessor rated this dimension of the impact (1-5).
ALTER TABLE answer ADD COLUMN impact_safety INTEGER CHECK (impact_safety BETWEEN 1 AND 5);
ALTER TABLE answer ADD COLUMN impact_phi INTEGER CHECK (impact_phi BETWEEN 1 AND 5);
ALTER TABLE answer ADD COLUMN impact_operations INTEGER
    CHECK (impact_operations BETWEEN 1 AND 5);

ALTER TABLE risk_entry ADD COLUMN treatment TEXT
    CHECK (treatment IN ('Mitigate', 'Accept', 'Transfer', 'Avoid'));
ALTER TABLE risk_entry ADD COLUMN planned_actions TEXT NOT NULL DEFAULT '';
ALTER TABLE risk_entry ADD COLUMN residual_likelihood INTEGER
    CHECK (residual_likelihood BETWEEN 1 AND 5);
ALTER TABLE risk_entry ADD COLUMN residual_impact INTEGER
    CHECK (residual_impact BETWEEN 1 AND 5);
ALTER TABLE risk_entry ADD COLUMN accepted_by TEXT NOT NULL DEFAULT '';
ALTER TABLE risk_entry ADD COLUMN acceptance_note TEXT NOT NULL DEFAULT '';
-- ISO dates (YYYY-MM-DD) or NULL
ALTER TABLE risk_entry ADD COLUMN accepted_on TEXT;
ALTER TABLE risk_entry ADD COLUMN review_date TEXT;
-- the local date the answer first became a finding; default due dates count from it
ALTER TABLE risk_entry ADD COLUMN identified_on TEXT;
-- 1 = the due date follows the level (TEMPLATE.md "Default due dates") and due_date is unused;
-- 0 = due_date was set by hand (NULL = no due date)
ALTER TABLE risk_entry ADD COLUMN due_default INTEGER NOT NULL DEFAULT 1
    CHECK (due_default IN (0, 1));
UPDATE risk_entry SET due_default = 0 WHERE due_date IS NOT NULL;
-- Every existing finding gets its entry (and so its Risk ID), identified on its assessed date.
INSERT INTO risk_entry (target_kind, target_key, target_label, device_id, control_id,
        updated_at, identified_on)
    SELECT target_kind, target_key, target_label, device_id, control_id,
        strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), assessed_on
    FROM answer
    WHERE response IN ('No', 'Partial', 'Unknown') AND suggested IS NULL
    ORDER BY id
    ON CONFLICT (target_kind, target_key, control_id) DO UPDATE SET
        identified_on = COALESCE(risk_entry.identified_on, excluded.identified_on);

-- The 5 x 5 level grid: 25 level abbreviations (VL, L, M, H, VH) separated by spaces, rows from
-- likelihood 5 down to 1, columns impact 1 to 5; '' = NIST SP 800-30 Rev. 1 Table I-2.
ALTER TABLE assessment ADD COLUMN risk_grid TEXT NOT NULL DEFAULT '';
"#;

/// Version 4: evidence attachments (`attachment` with its bytes in `attachment_data`), the
/// workbook's per-file attachment limit, and undo steps that may record attachment rows.
const V4: &str = r#"
-- One file attached as evidence to a (target, control), keyed like `answer` so that model and
-- site answers can have evidence too; it does not need an answer to exist (evidence alone does
-- not make a control assessed). Never deleted: removing sets removed_at (undo clears it again).
CREATE TABLE attachment (
    id           INTEGER PRIMARY KEY,
    target_kind  TEXT NOT NULL CHECK (target_kind IN ('device', 'model', 'site')),
    target_key   TEXT NOT NULL,
    target_label TEXT NOT NULL DEFAULT '',
    device_id    INTEGER REFERENCES device(id) ON DELETE CASCADE,
    control_id   TEXT NOT NULL REFERENCES catalog_control(control_id),
    -- the name as given, without folders or control characters
    file_name    TEXT NOT NULL,
    -- sniffed from the bytes (else from the name's extension), e.g. 'image/jpeg'
    media_type   TEXT NOT NULL,
    -- bytes
    size         INTEGER NOT NULL CHECK (size >= 0),
    -- SHA-256 of the bytes, 64 lower-case hex digits
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    -- RFC 3339 UTC
    added_at     TEXT NOT NULL,
    -- the workbook's assessor at the time (never the operating-system login)
    added_by     TEXT NOT NULL DEFAULT '',
    caption      TEXT NOT NULL DEFAULT '',
    -- RFC 3339 UTC; NULL = attached
    removed_at   TEXT
);
CREATE INDEX attachment_target ON attachment(target_kind, target_key, control_id);

-- The bytes of each attachment, apart from its row: undo steps keep whole rows as JSON and
-- listings read every row, and neither should ever carry the files themselves.
CREATE TABLE attachment_data (
    attachment_id INTEGER PRIMARY KEY REFERENCES attachment(id) ON DELETE CASCADE,
    bytes         BLOB NOT NULL
);

-- Most bytes one attachment may have; NULL = the default (25 MiB = 26,214,400 bytes).
ALTER TABLE assessment ADD COLUMN attachment_limit INTEGER CHECK (attachment_limit > 0);

-- change_row may now also record 'attachment' rows: SQLite cannot change a CHECK in place, so
-- the table is made again with its rows.
CREATE TABLE change_row_v4 (
    step_id     INTEGER NOT NULL REFERENCES change_step(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    table_name  TEXT NOT NULL
        CHECK (table_name IN ('answer', 'risk_entry', 'device', 'attachment')),
    before_json TEXT,
    after_json  TEXT,
    PRIMARY KEY (step_id, seq)
);
INSERT INTO change_row_v4 (step_id, seq, table_name, before_json, after_json)
    SELECT step_id, seq, table_name, before_json, after_json FROM change_row;
DROP TABLE change_row;
ALTER TABLE change_row_v4 RENAME TO change_row;
"#;

/// Version 5: manufacturer disclosures (`mds2_document`), SBOMs (`sbom`), vulnerability feeds
/// (`feed`, `feed_item`) and the vulnerability findings matched from them (`vuln_finding`); risk
/// register entries of confirmed findings (`risk_entry.finding_id`); undo steps may record MDS2,
/// SBOM and finding rows.
const V5: &str = r#"
-- One imported MDS2 (MDS2.md) for a device or a model. Importing again for the same target
-- marks the previous one replaced (replaced_at) rather than deleting it, so undo can bring it
-- back. Its answers are one JSON array (answers_json), so that an undo step records one row.
CREATE TABLE mds2_document (
    id           INTEGER PRIMARY KEY,
    target_kind  TEXT NOT NULL CHECK (target_kind IN ('device', 'model')),
    target_key   TEXT NOT NULL,
    target_label TEXT NOT NULL DEFAULT '',
    device_id    INTEGER REFERENCES device(id) ON DELETE CASCADE,
    -- 'HN 1-2019'
    form_version TEXT NOT NULL,
    -- DOC-4 and DOC-7 (ISO date) as read; '' / NULL when absent or Hidden
    doc_id       TEXT NOT NULL DEFAULT '',
    release_date TEXT,
    -- JSON object of the DOC fields read (question ID -> text)
    doc_json     TEXT NOT NULL DEFAULT '{}',
    -- JSON array of answers: {question_id, section, answer, raw, note, iec, nist, iso, flag}
    answers_json TEXT NOT NULL DEFAULT '[]',
    -- the file's name without folders, its SHA-256 (64 lower-case hex digits)
    file_name    TEXT NOT NULL,
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    -- RFC 3339 UTC
    imported_at  TEXT NOT NULL,
    replaced_at  TEXT
);
CREATE INDEX mds2_document_target ON mds2_document(target_kind, target_key);

-- One imported SBOM for a device; importing again replaces it (replaced_at), as for MDS2.
CREATE TABLE sbom (
    id              INTEGER PRIMARY KEY,
    device_id       INTEGER NOT NULL REFERENCES device(id) ON DELETE CASCADE,
    -- 'CycloneDX' or 'SPDX'
    format          TEXT NOT NULL,
    -- e.g. '1.4', '2.3'
    spec_version    TEXT NOT NULL DEFAULT '',
    -- what the SBOM describes (metadata.component / the described package), its version,
    -- supplier and the document's own timestamp (RFC 3339 or as written)
    subject         TEXT NOT NULL DEFAULT '',
    subject_version TEXT NOT NULL DEFAULT '',
    supplier        TEXT NOT NULL DEFAULT '',
    created         TEXT NOT NULL DEFAULT '',
    -- JSON array of components: {name, version, supplier, purl, cpe, kind, bom_ref}
    components_json TEXT NOT NULL DEFAULT '[]',
    file_name       TEXT NOT NULL,
    sha256          TEXT NOT NULL CHECK (length(sha256) = 64),
    imported_at     TEXT NOT NULL,
    replaced_at     TEXT
);
CREATE INDEX sbom_device ON sbom(device_id);

-- One imported feed document: a KEV catalog snapshot, one CSAF advisory, one NVD or CVE record,
-- one VEX document. A newer document with the same (kind, name) replaces the older one's items.
CREATE TABLE feed (
    id          INTEGER PRIMARY KEY,
    -- 'KEV', 'CSAF', 'NVD', 'CVE', 'VEX'
    kind        TEXT NOT NULL,
    -- 'KEV' for the catalog; the advisory ID ('ICSMA-18-058-02') or CVE ID otherwise
    name        TEXT NOT NULL,
    -- the feed's own date (KEV catalogVersion / dateReleased, the advisory's current release
    -- date, the record's last-modified date), ISO date
    feed_date   TEXT NOT NULL,
    -- e.g. the KEV catalogVersion '2025.08.25' or the advisory's revision
    version     TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    imported_at TEXT NOT NULL,
    item_count  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, name)
);

-- The items of a feed: a KEV entry, or one vulnerability of an advisory or record, as a JSON
-- object of medsec's normalised form (crate::vuln).
CREATE TABLE feed_item (
    id      INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feed(id) ON DELETE CASCADE,
    -- the CVE ID (or the advisory's own ID for a vulnerability without one)
    cve     TEXT NOT NULL,
    body    TEXT NOT NULL
);
CREATE INDEX feed_item_feed ON feed_item(feed_id);
CREATE INDEX feed_item_cve ON feed_item(cve);

-- One vulnerability matched to a device (TEMPLATE.md "2 CVE Findings"), keyed by device, CVE
-- and component ('' = the device itself), so that a dismissed match stays dismissed when feeds
-- are imported again. Rows are never deleted; a match that no feed supports any more is marked
-- stale (stale_since).
CREATE TABLE vuln_finding (
    id                INTEGER PRIMARY KEY,
    device_id         INTEGER NOT NULL REFERENCES device(id) ON DELETE CASCADE,
    cve               TEXT NOT NULL,
    -- lower-cased 'name@version' of the SBOM component, '' for the device's own product
    component_key     TEXT NOT NULL DEFAULT '',
    component         TEXT NOT NULL DEFAULT '',
    component_version TEXT NOT NULL DEFAULT '',
    -- 'Suggested', 'Confirmed', 'Dismissed'
    state             TEXT NOT NULL DEFAULT 'Suggested'
        CHECK (state IN ('Suggested', 'Confirmed', 'Dismissed')),
    state_note        TEXT NOT NULL DEFAULT '',
    -- JSON object of the latest match: sources, advisory IDs, feed dates, confidence, reason,
    -- scores, KEV facts (crate::vuln::matching::Match)
    match_json        TEXT NOT NULL,
    first_seen        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    stale_since       TEXT,
    -- the assessor's rating, 1-5; NULL = the suggested default (likelihood from KEV and CVSS,
    -- impact from the device's default impacts), see crate::vuln::likelihood
    likelihood        INTEGER CHECK (likelihood BETWEEN 1 AND 5),
    impact            INTEGER CHECK (impact BETWEEN 1 AND 5),
    UNIQUE (device_id, cve, component_key)
);

-- A confirmed vulnerability finding has its own risk register entry (finding_id set), so that
-- several CVEs of one device are several risks; an answer's entry keeps finding_id NULL and its
-- (target, control) key. SQLite cannot change a UNIQUE constraint in place, so the table is made
-- again with its rows, unique by partial indexes.
CREATE TABLE risk_entry_v5 (
    id                  INTEGER PRIMARY KEY,
    target_kind         TEXT NOT NULL CHECK (target_kind IN ('device', 'model', 'site')),
    target_key          TEXT NOT NULL,
    target_label        TEXT NOT NULL DEFAULT '',
    device_id           INTEGER REFERENCES device(id) ON DELETE CASCADE,
    control_id          TEXT NOT NULL REFERENCES catalog_control(control_id),
    owner               TEXT NOT NULL DEFAULT '',
    due_date            TEXT,
    status              TEXT NOT NULL DEFAULT 'Open'
        CHECK (status IN ('Open', 'In Progress', 'Closed')),
    updated_at          TEXT NOT NULL,
    treatment           TEXT CHECK (treatment IN ('Mitigate', 'Accept', 'Transfer', 'Avoid')),
    planned_actions     TEXT NOT NULL DEFAULT '',
    residual_likelihood INTEGER CHECK (residual_likelihood BETWEEN 1 AND 5),
    residual_impact     INTEGER CHECK (residual_impact BETWEEN 1 AND 5),
    accepted_by         TEXT NOT NULL DEFAULT '',
    acceptance_note     TEXT NOT NULL DEFAULT '',
    accepted_on         TEXT,
    review_date         TEXT,
    identified_on       TEXT,
    due_default         INTEGER NOT NULL DEFAULT 1 CHECK (due_default IN (0, 1)),
    -- the vulnerability finding this entry registers; NULL = the entry of an answer
    finding_id          INTEGER REFERENCES vuln_finding(id) ON DELETE CASCADE
);
INSERT INTO risk_entry_v5 (id, target_kind, target_key, target_label, device_id, control_id,
        owner, due_date, status, updated_at, treatment, planned_actions, residual_likelihood,
        residual_impact, accepted_by, acceptance_note, accepted_on, review_date, identified_on,
        due_default)
    SELECT id, target_kind, target_key, target_label, device_id, control_id, owner, due_date,
        status, updated_at, treatment, planned_actions, residual_likelihood, residual_impact,
        accepted_by, acceptance_note, accepted_on, review_date, identified_on, due_default
    FROM risk_entry;
DROP TABLE risk_entry;
ALTER TABLE risk_entry_v5 RENAME TO risk_entry;
CREATE INDEX risk_entry_device ON risk_entry(device_id);
CREATE UNIQUE INDEX risk_entry_answer ON risk_entry(target_kind, target_key, control_id)
    WHERE finding_id IS NULL;
CREATE UNIQUE INDEX risk_entry_finding ON risk_entry(finding_id) WHERE finding_id IS NOT NULL;

-- change_row may now also record MDS2, SBOM and finding rows (CHECK rebuilt as in version 4).
CREATE TABLE change_row_v5 (
    step_id     INTEGER NOT NULL REFERENCES change_step(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    table_name  TEXT NOT NULL
        CHECK (table_name IN ('answer', 'risk_entry', 'device', 'attachment', 'mds2_document',
            'sbom', 'vuln_finding')),
    before_json TEXT,
    after_json  TEXT,
    PRIMARY KEY (step_id, seq)
);
INSERT INTO change_row_v5 (step_id, seq, table_name, before_json, after_json)
    SELECT step_id, seq, table_name, before_json, after_json FROM change_row;
DROP TABLE change_row;
ALTER TABLE change_row_v5 RENAME TO change_row;
"#;

/// Version 6: the audit trail (`audit_entry`), a SHA-256 hash chain of every change
/// (`crate::workbook::audit`). A workbook upgraded to it starts its chain with a `migration`
/// entry saying earlier changes were not audited.
const V6: &str = r#"
-- One change to the workbook; seq counts from 1 without gaps. hash = SHA-256 over prev_hash and
-- the entry's content (crate::workbook::audit::entry_hash); prev_hash of the first entry is 64
-- zeros. Never updated or deleted by medsec.
CREATE TABLE audit_entry (
    seq        INTEGER PRIMARY KEY,
    -- UUID: the same entry in copies and merged workbooks keeps it
    entry_id   TEXT NOT NULL UNIQUE,
    -- RFC 3339 UTC
    at         TEXT NOT NULL,
    -- the assessor name of the session (never the operating-system login)
    actor      TEXT NOT NULL,
    -- create, change, undo, redo, feed, findings, settings, catalog, migration, merge, rekey
    action     TEXT NOT NULL,
    summary    TEXT NOT NULL,
    -- JSON array of rows changed: {entity, key, subject, device, control, fields: [[field, old, new]]}
    changes    TEXT NOT NULL,
    -- the workbook ID of the copy the entry was made in
    origin     TEXT NOT NULL DEFAULT '',
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
"#;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn version_4_keeps_the_undo_history_and_accepts_attachment_rows() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for m in &MIGRATIONS[..3] {
            conn.execute_batch(m).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO change_step (id, at, label) VALUES (7, '2026-01-01T00:00:00Z', 'x');
             INSERT INTO change_row VALUES (7, 0, 'answer', NULL, '{}');",
        )
        .unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        tx.execute_batch(MIGRATIONS[3]).unwrap();
        tx.commit().unwrap();
        let kept: (i64, String) = conn
            .query_row("SELECT step_id, table_name FROM change_row", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(kept, (7, "answer".to_string()));
        conn.execute(
            "INSERT INTO change_row VALUES (7, 1, 'attachment', NULL, '{}')",
            [],
        )
        .unwrap();
        assert!(
            conn.execute(
                "INSERT INTO change_row VALUES (7, 2, 'other', NULL, '{}')",
                []
            )
            .is_err()
        );
        // Steps still cascade to their rows.
        conn.execute("DELETE FROM change_step", []).unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM change_row", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }
    #[test]
    fn version_5_keeps_register_entries_and_keys_finding_entries_apart() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for m in &MIGRATIONS[..4] {
            conn.execute_batch(m).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO catalog_control VALUES ('VULN-01', 2, 'device', 't', 'q', 'h');
             INSERT INTO device (id, uuid, number, created_at, updated_at)
                 VALUES (1, 'u', 1, 'x', 'x');
             INSERT INTO risk_entry (id, target_kind, target_key, device_id, control_id, owner,
                 status, updated_at, treatment, residual_likelihood, residual_impact,
                 identified_on, due_default)
                 VALUES (12, 'device', '1', 1, 'VULN-01', 'Biomed', 'In Progress', 'x',
                     'Mitigate', 2, 3, '2026-01-01', 0);",
        )
        .unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        tx.execute_batch(MIGRATIONS[4]).unwrap();
        tx.commit().unwrap();
        let kept: (i64, String, String, String, i64, Option<i64>) = conn
            .query_row(
                "SELECT id, owner, status, treatment, residual_impact, finding_id
                 FROM risk_entry",
                [],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .unwrap();
        assert_eq!(
            kept,
            (
                12,
                "Biomed".into(),
                "In Progress".into(),
                "Mitigate".into(),
                3,
                None
            )
        );
        // The answer's entry stays unique per (target, control); findings have their own.
        let answer_again = "INSERT INTO risk_entry (target_kind, target_key, control_id,
            updated_at) VALUES ('device', '1', 'VULN-01', 'x')";
        assert!(conn.execute(answer_again, []).is_err());
        conn.execute_batch(
            "INSERT INTO vuln_finding (id, device_id, cve, match_json, first_seen, updated_at)
                 VALUES (1, 1, 'CVE-1', '{}', 'x', 'x'), (2, 1, 'CVE-2', '{}', 'x', 'x');
             INSERT INTO risk_entry (target_kind, target_key, control_id, updated_at, finding_id)
                 VALUES ('device', '1', 'VULN-01', 'x', 1), ('device', '1', 'VULN-01', 'x', 2);",
        )
        .unwrap();
        let twice = "INSERT INTO risk_entry (target_kind, target_key, control_id, updated_at,
            finding_id) VALUES ('device', '1', 'VULN-01', 'x', 1)";
        assert!(conn.execute(twice, []).is_err());
    }
}
