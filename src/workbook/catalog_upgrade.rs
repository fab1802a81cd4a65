//! Carrying answers over to a newer built-in catalog (PRODUCT.md "Data model": a newer catalog
//! carries answers over only where the control's question is unchanged).
//!
//! Each workbook keeps a snapshot of the catalog it was assessed against (`catalog_control`, with
//! a SHA-256 of every question). When a workbook is opened for writing by a build whose catalog
//! differs from that snapshot, in one transaction:
//! - an answer to a control whose question text changed is kept but turned back into an
//!   unconfirmed suggestion, its `suggested` column set to [`review_label`] (e.g. `Review
//!   (catalog 2026.1 → 2026.2: question changed)`): it counts as not assessed, is not a risk and
//!   is visited again by "next unanswered" until the assessor confirms it (`c` in the TUI,
//!   `medsec answer TARGET CONTROL --confirm`, or clearing the Suggested cell of an exported
//!   copy). Its register entry (owner, due date, ...) is kept and returns when it is confirmed;
//! - an answer to a control the new catalog no longer has is kept in the file (its snapshot row
//!   stays) but is no longer shown or exported; it is listed as retired;
//! - the snapshot and the workbook's catalog version are updated.
//!
//! The upgrade is not an undo step (like a schema migration, it cannot be undone). A read-only
//! open of a workbook that needs one is refused with a message saying to open it for writing.

use std::collections::HashMap;

use rusqlite::{Connection, Transaction, params};

use super::snapshot_catalog;
use super::targets::target_of;
use crate::catalog::Catalog;

/// Prefix of the `suggested` text of an answer awaiting review after a catalog upgrade.
pub const REVIEW_PREFIX: &str = "Review";

/// The `suggested` text of an answer whose control's question changed between catalog versions
/// `from` and `to`: `Review (catalog 2026.1 → 2026.2: question changed)`.
pub fn review_label(from: &str, to: &str) -> String {
    format!("{REVIEW_PREFIX} (catalog {from} → {to}: question changed)")
}

/// Whether an answer's `suggested` text says it awaits review after a catalog upgrade
/// ([`review_label`]; the prefix in any ASCII case, as [`Workbook::pending_catalog_reviews`]
/// matches it).
///
/// [`Workbook::pending_catalog_reviews`]: super::Workbook::pending_catalog_reviews
pub fn awaits_review(suggested: &str) -> bool {
    let head = format!("{REVIEW_PREFIX} (catalog ");
    suggested
        .get(..head.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(&head))
}

/// One answer the upgrade touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradedAnswer {
    /// The target as shown in sheets: `DEV-0003`, `MODEL:Acme/X1`, `SITE:North` or `SITE`.
    pub target: String,
    /// The control ID.
    pub control_id: String,
}

/// What opening the workbook with this build's catalog changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogUpgrade {
    /// The catalog version the workbook was assessed against.
    pub from: String,
    /// This build's catalog version.
    pub to: String,
    /// Controls whose question text changed.
    pub changed_controls: Vec<String>,
    /// Controls new in this catalog (not yet answered anywhere).
    pub added_controls: Vec<String>,
    /// Controls the new catalog no longer has.
    pub retired_controls: Vec<String>,
    /// Answers marked for review (their control's question changed), in target then control
    /// order.
    pub review: Vec<UpgradedAnswer>,
    /// Answers to retired controls: kept in the file, no longer shown.
    pub retired: Vec<UpgradedAnswer>,
}

impl CatalogUpgrade {
    /// Lines for a person: a summary, then the answers to review and those to retired controls
    /// (at most `limit` of each, then "… and N more"), then how to confirm.
    pub fn lines(&self, limit: usize) -> Vec<String> {
        let mut out = vec![format!(
            "catalog upgraded from {} to {} ({} question(s) changed, {} control(s) added, {} retired)",
            self.from,
            self.to,
            self.changed_controls.len(),
            self.added_controls.len(),
            self.retired_controls.len(),
        )];
        let mut list = |heading: String, items: &[UpgradedAnswer]| {
            if items.is_empty() {
                return;
            }
            out.push(heading);
            for a in items.iter().take(limit) {
                out.push(format!("  {} {}", a.target, a.control_id));
            }
            if items.len() > limit {
                out.push(format!("  … and {} more", items.len() - limit));
            }
        };
        list(
            format!(
                "{} answer(s) need review (the question changed; shown as suggestions until confirmed):",
                self.review.len()
            ),
            &self.review,
        );
        list(
            format!(
                "{} answer(s) to retired controls are kept in the file but no longer shown:",
                self.retired.len()
            ),
            &self.retired,
        );
        if !self.review.is_empty() {
            out.push(
                "confirm each one after checking it: `c` in the TUI, or `medsec answer TARGET CONTROL --confirm`"
                    .to_string(),
            );
        }
        out
    }
}

/// The stored snapshot: control ID → question hash, and the workbook's catalog version.
fn stored(conn: &Connection) -> rusqlite::Result<(String, HashMap<String, String>)> {
    let version: String = conn.query_row(
        "SELECT catalog_version FROM assessment WHERE id = 1",
        [],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare("SELECT control_id, question_hash FROM catalog_control")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let hashes = rows.collect::<rusqlite::Result<HashMap<String, String>>>()?;
    Ok((version, hashes))
}

/// Whether the workbook's snapshot differs from `cat`: another version, or a control missing or
/// with another question. (Controls of an older catalog stay in the snapshot after an upgrade,
/// for the answers that refer to them; they do not count.)
pub(super) fn needed(conn: &Connection, cat: &Catalog) -> rusqlite::Result<bool> {
    let (version, hashes) = stored(conn)?;
    Ok(version != cat.version
        || cat
            .steps
            .iter()
            .flat_map(|s| &s.controls)
            .any(|c| hashes.get(&c.id) != Some(&c.question_hash())))
}

/// Answers to `control_id` with a response, as (row ID, target label), in target order.
fn answered(tx: &Transaction<'_>, control_id: &str) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut stmt = tx.prepare(
        "SELECT a.id, a.target_kind, a.target_key, a.device_id, a.target_label, d.number
         FROM answer a LEFT JOIN device d ON d.id = a.device_id
         WHERE a.control_id = ?1 AND a.response IS NOT NULL
         ORDER BY a.target_kind, d.number, a.target_key",
    )?;
    let rows = stmt.query_map(params![control_id], |r| {
        let id: i64 = r.get(0)?;
        let kind: String = r.get(1)?;
        let stored = target_of(&kind, &r.get::<_, String>(2)?, r.get(3)?, r.get(4)?);
        let number: Option<i64> = r.get(5)?;
        // Spelled as column A of the sheets: `DEV-0003`, `MODEL:…`, `SITE:…` or `SITE`.
        let target = match (stored.scope_key(), number) {
            (Some(key), _) => key,
            (None, Some(n)) => crate::device::fields::format_short_id(n),
            (None, None) => String::new(),
        };
        Ok((id, target))
    })?;
    rows.collect()
}

/// Applies the upgrade inside `tx` (see the module documentation) and says what it did.
pub(super) fn upgrade(tx: &Transaction<'_>, cat: &Catalog) -> rusqlite::Result<CatalogUpgrade> {
    let (from, hashes) = stored(tx)?;
    let mut up = CatalogUpgrade {
        from: from.clone(),
        to: cat.version.clone(),
        ..CatalogUpgrade::default()
    };
    let label = review_label(&from, &cat.version);
    let mut current = std::collections::HashSet::new();
    for c in cat.steps.iter().flat_map(|s| &s.controls) {
        current.insert(c.id.as_str());
        match hashes.get(&c.id) {
            None => up.added_controls.push(c.id.clone()),
            Some(h) if *h != c.question_hash() => {
                up.changed_controls.push(c.id.clone());
                for (id, target) in answered(tx, &c.id)? {
                    // A suggestion stays what it was (still unconfirmed); a confirmed answer
                    // becomes one awaiting review.
                    let n = tx.execute(
                        "UPDATE answer SET suggested = ?2 WHERE id = ?1 AND suggested IS NULL",
                        params![id, label],
                    )?;
                    if n > 0 {
                        up.review.push(UpgradedAnswer {
                            target,
                            control_id: c.id.clone(),
                        });
                    }
                }
            }
            Some(_) => {}
        }
    }
    let mut retired: Vec<&String> = hashes
        .keys()
        .filter(|id| !current.contains(id.as_str()))
        .collect();
    retired.sort();
    for id in retired {
        up.retired_controls.push(id.clone());
        for (_, target) in answered(tx, id)? {
            up.retired.push(UpgradedAnswer {
                target,
                control_id: id.clone(),
            });
        }
    }
    snapshot_catalog(tx, cat)?;
    tx.execute(
        "UPDATE assessment SET catalog_version = ?1 WHERE id = 1",
        params![cat.version],
    )?;
    Ok(up)
}

/// How many answers still await review after a catalog upgrade.
pub(super) fn pending_reviews(conn: &Connection) -> rusqlite::Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM answer WHERE suggested LIKE ?1 || ' (catalog %'",
        params![REVIEW_PREFIX],
        |r| r.get(0),
    )?;
    Ok(usize::try_from(n).unwrap_or(0))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::assessment::{Response, Target};
    use crate::catalog::catalog;
    use crate::risk::register::Register;
    use crate::workbook::{
        Access, AnswerInput, AssessmentMeta, DeviceChange, FieldSource, Passphrase, Workbook,
        WorkbookError,
    };

    fn pass() -> Passphrase {
        Passphrase::new("correct horse battery staple".into())
    }

    fn answer(wb: &mut Workbook, target: &Target, control: &str, r: Response) {
        let c = catalog().control(control).unwrap();
        let input = AnswerInput {
            response: Some(Some(r)),
            ..AnswerInput::default()
        };
        wb.set_answer(target, c, &input).unwrap();
    }

    /// Makes the stored snapshot look like an older catalog: version 2025.1, ENC-03's question
    /// different, ENC-05 not yet in it, and a control OLD-01 (answered on the device) that the
    /// built-in catalog no longer has.
    fn age_the_snapshot(wb: &Workbook, device: i64) {
        wb.conn
            .execute_batch(
                "UPDATE assessment SET catalog_version = '2025.1';
                 UPDATE catalog_control SET question_hash = 'older' WHERE control_id = 'ENC-03';
                 DELETE FROM catalog_control WHERE control_id = 'ENC-05';
                 INSERT INTO catalog_control (control_id, step, scope, title, question,
                     question_hash) VALUES ('OLD-01', 3, 'Device', 'Old', 'Old?', 'old');",
            )
            .unwrap();
        wb.conn
            .execute(
                "INSERT INTO answer (target_kind, target_key, device_id, control_id, response)
                 VALUES ('device', ?1, ?1, 'OLD-01', 'No')",
                params![device.to_string()],
            )
            .unwrap();
    }

    #[test]
    fn changed_questions_send_answers_back_for_review_and_nothing_else_moves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.medsec");
        let (device, target, risk_id) = {
            let mut wb = Workbook::create(&path, &pass(), AssessmentMeta::default()).unwrap();
            let d = wb
                .add_device(
                    &DeviceChange {
                        values: vec![("name", "Pump".to_string())],
                        ..DeviceChange::default()
                    },
                    FieldSource::Typed,
                )
                .unwrap();
            let t = Target::Device(d.id);
            answer(&mut wb, &t, "ENC-03", Response::No);
            answer(&mut wb, &t, "ENC-04", Response::Yes);
            assert!(wb.catalog_upgrade().is_none());
            let entry = wb.risk_entry(&t, "ENC-03").unwrap().unwrap();
            age_the_snapshot(&wb, d.id);
            (d.id, t, entry.id)
        };

        // A read-only command cannot upgrade: it says what to do and changes nothing.
        match Workbook::open(&path, &pass(), Access::Read) {
            Err(WorkbookError::Invalid(m)) => assert!(m.contains("needs upgrading"), "{m}"),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("a read-only open upgraded the catalog"),
        }

        let mut wb = Workbook::open(&path, &pass(), Access::Write).unwrap();
        let up = wb.catalog_upgrade().cloned().unwrap();
        assert_eq!((up.from.as_str(), up.to.as_str()), ("2025.1", "2026.1"));
        assert_eq!(up.changed_controls, ["ENC-03"]);
        assert_eq!(up.added_controls, ["ENC-05"]);
        assert_eq!(up.retired_controls, ["OLD-01"]);
        let at = |c: &str| UpgradedAnswer {
            target: "DEV-0001".into(),
            control_id: c.into(),
        };
        assert_eq!(up.review, [at("ENC-03")]);
        assert_eq!(up.retired, [at("OLD-01")]);
        assert!(up.lines(20)[1].starts_with("1 answer(s) need review"));
        assert_eq!(wb.meta().catalog_version, "2026.1");
        assert_eq!(wb.pending_catalog_reviews().unwrap(), 1);

        // The changed control's answer is kept but unconfirmed: no longer a finding.
        let a = wb.answer(&target, "ENC-03").unwrap().unwrap();
        assert_eq!(a.response, Some(Response::No));
        assert_eq!(a.confirmed_response(), None);
        assert_eq!(
            a.suggested.as_deref(),
            Some("Review (catalog 2025.1 → 2026.1: question changed)")
        );
        let unchanged = wb.answer(&target, "ENC-04").unwrap().unwrap();
        assert_eq!(unchanged.confirmed_response(), Some(Response::Yes));
        let register = Register::load(&wb).unwrap();
        assert!(register.findings.iter().all(|f| f.control.id != "ENC-03"));

        // Confirming it brings the finding back with its register entry.
        let c = catalog().control("ENC-03").unwrap();
        let confirm = AnswerInput {
            confirm: true,
            ..AnswerInput::default()
        };
        wb.set_answer(&target, c, &confirm).unwrap();
        assert_eq!(wb.pending_catalog_reviews().unwrap(), 0);
        let entry = wb.risk_entry(&target, "ENC-03").unwrap().unwrap();
        assert_eq!(entry.id, risk_id);
        let register = Register::load(&wb).unwrap();
        assert!(register.findings.iter().any(|f| f.control.id == "ENC-03"));
        drop(wb);

        // Upgraded once: the next open changes nothing, and the retired answer is still there.
        let wb = Workbook::open(&path, &pass(), Access::Read).unwrap();
        assert!(wb.catalog_upgrade().is_none());
        let kept: i64 = wb
            .conn
            .query_row(
                "SELECT COUNT(*) FROM answer WHERE control_id = 'OLD-01' AND device_id = ?1",
                params![device],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, 1);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod label_tests {
    use super::*;
    use crate::assessment::{Response, Target};
    use crate::catalog::catalog;
    use crate::workbook::{AnswerInput, AssessmentMeta, Passphrase, Workbook};

    #[test]
    fn model_and_site_answers_are_named_as_on_the_sheets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.medsec");
        let mut wb = Workbook::create(
            &path,
            &Passphrase::new("correct horse battery staple".into()),
            AssessmentMeta::default(),
        )
        .unwrap();
        let yes = AnswerInput {
            response: Some(Some(Response::Yes)),
            ..AnswerInput::default()
        };
        let model = Target::Model {
            manufacturer: "Baxter".into(),
            model: "Sigma Spectrum".into(),
        };
        let inv03 = catalog().control("INV-03").unwrap();
        wb.set_answer(&model, inv03, &yes).unwrap();
        let tx = wb.conn.transaction().unwrap();
        let rows = answered(&tx, "INV-03").unwrap();
        assert_eq!(
            rows.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
            ["MODEL:Baxter/Sigma Spectrum"]
        );
    }
}
