use std::path::{Path, PathBuf};

use super::*;
use crate::vuln::feed::read_file;
use crate::workbook::{AssessmentMeta, Passphrase};

fn workbook(dir: &Path) -> Workbook {
    Workbook::create(
        &dir.join("w.medsec"),
        &Passphrase::new("correct horse battery staple".into()),
        AssessmentMeta::default(),
    )
    .unwrap()
}

fn corpus(rel: &str) -> FeedFile {
    read_file(&PathBuf::from("../shared/corpus").join(rel)).unwrap()
}

const OLD_KEV: &str = "kev/known_exploited_vulnerabilities-2025.01.24-redacted.json";
const NEW_KEV: &str = "kev/known_exploited_vulnerabilities-redacted.json";

#[test]
fn newer_kev_reports_added_changed_removed_and_older_is_kept_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut wb = workbook(dir.path());
    let old = corpus(OLD_KEV);
    let new = corpus(NEW_KEV);
    let lines = wb.import_feeds(std::slice::from_ref(&old)).unwrap();
    assert_eq!(lines[0].action, FeedAction::Added);
    assert_eq!(
        lines[0].kev,
        Some(KevChanges {
            added: 1252,
            changed: 0,
            removed: 0
        })
    );
    // A dry run says the same as the real import and changes nothing.
    let planned = wb.plan_feeds(std::slice::from_ref(&new)).unwrap();
    assert_eq!(wb.feeds().unwrap()[0].item_count, 1252);
    let lines = wb.import_feeds(std::slice::from_ref(&new)).unwrap();
    assert_eq!(planned, lines);
    assert_eq!(
        lines[0].action,
        FeedAction::Replaced {
            previous: NaiveDate::from_ymd_opt(2025, 1, 24).unwrap()
        }
    );
    assert_eq!(
        lines[0].kev,
        Some(KevChanges {
            added: 152,
            changed: 49,
            removed: 0
        })
    );
    let feeds = wb.feeds().unwrap();
    assert_eq!(feeds.len(), 1);
    assert_eq!(feeds[0].item_count, 1404);
    assert_eq!(feeds[0].info.version, "2025.08.25");
    // The older catalog again: kept out, the newer stays.
    let lines = wb.import_feeds(std::slice::from_ref(&old)).unwrap();
    assert_eq!(
        lines[0].action,
        FeedAction::KeptOlder {
            stored: NaiveDate::from_ymd_opt(2025, 8, 25).unwrap()
        }
    );
    assert_eq!(lines[0].kev, None);
    assert_eq!(
        wb.feeds().unwrap()[0].info.feed_date.to_string(),
        "2025-08-25"
    );
    // The same file again changes nothing.
    let lines = wb.import_feeds(std::slice::from_ref(&new)).unwrap();
    assert_eq!(lines[0].action, FeedAction::Unchanged);
    let index = wb.feed_index().unwrap();
    assert_eq!(index.kev_entries.len(), 1404);
    assert_eq!(index.kev.unwrap().dated_name(), "KEV of 2025-08-25");
    assert!(index.kev_entries.contains_key("CVE-2017-0144"));
}

#[test]
fn one_batch_takes_older_then_newer_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut wb = workbook(dir.path());
    let lines = wb
        .import_feeds(&[corpus(OLD_KEV), corpus(NEW_KEV)])
        .unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].kev.unwrap().added, 152);
    assert_eq!(wb.feeds().unwrap()[0].item_count, 1404);
}

#[test]
fn advisories_and_records_are_stored_and_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let mut wb = workbook(dir.path());
    let files = vec![
        corpus("csaf/icsma-18-058-02.json"),
        corpus("csaf/icsma-20-343-01-redacted.json"),
        corpus("nvd/CVE-2022-2119.nvd-api2.json"),
        corpus("nvd/CVE-2024-1275.cve5-redacted.json"),
        corpus("sbom/cyclonedx-vex-cisa-case1-fixed.json"),
    ];
    let lines = wb.import_feeds(&files).unwrap();
    assert!(lines.iter().all(|l| l.action == FeedAction::Added));
    let feeds = wb.feeds().unwrap();
    let names: Vec<(&str, &str, usize)> = feeds
        .iter()
        .map(|f| (f.info.kind.label(), f.info.name.as_str(), f.item_count))
        .collect();
    assert_eq!(
        names,
        [
            ("CSAF", "ICSMA-18-058-02", 35),
            ("CSAF", "ICSMA-20-343-01", 2),
            ("NVD", "CVE-2022-2119", 1),
            ("CVE", "CVE-2024-1275", 1),
            ("VEX", "VEX cyclonedx-vex-cisa-case1-fixed.json", 1),
        ]
    );
    let index = wb.feed_index().unwrap();
    assert!(index.kev.is_none());
    assert_eq!(index.advisories.len(), 5);
    let (_, ge) = index
        .advisories
        .iter()
        .find(|(i, _)| i.name == "ICSMA-20-343-01")
        .unwrap();
    let products: usize = ge.iter().map(|v| v.products.len()).sum();
    assert!(products >= 107, "{products}");
    let (_, philips) = &index.advisories[0];
    assert_eq!(philips[0].products[0].vendor, "Phillips");
}

/// The same file read again under another name with its items cut to `keep` and a different
/// SHA-256, as a partial copy of the same document (the same feed date) would be.
fn cut_copy(file: &FeedFile, keep: usize) -> FeedFile {
    let mut cut = file.clone();
    cut.file_name = format!("cut-{}", file.file_name);
    cut.sha256 = "0".repeat(64);
    match &mut cut.documents[0] {
        FeedDocument::Kev { entries, .. } => entries.truncate(keep),
        FeedDocument::Advisory {
            vulnerabilities, ..
        } => vulnerabilities.truncate(keep),
    }
    cut
}

#[test]
fn same_date_that_lacks_items_is_kept_out_and_adding_only_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let mut wb = workbook(dir.path());
    let kev = corpus(NEW_KEV);
    wb.import_feeds(std::slice::from_ref(&kev)).unwrap();
    let date = NaiveDate::from_ymd_opt(2025, 8, 25).unwrap();
    let cut = cut_copy(&kev, 499);
    let kept = FeedAction::KeptIncomplete {
        stored: date,
        missing: 905,
    };
    // Dry run and real import agree; nothing is stored.
    assert_eq!(
        wb.plan_feeds(std::slice::from_ref(&cut)).unwrap()[0].action,
        kept
    );
    let lines = wb.import_feeds(std::slice::from_ref(&cut)).unwrap();
    assert_eq!(lines[0].action, kept);
    assert_eq!(lines[0].kev, None);
    assert_eq!(wb.feeds().unwrap()[0].item_count, 1404);
    assert_eq!(wb.feeds().unwrap()[0].file_name, kev.file_name);
    // In one batch the cut copy is compared with the full one stored before it.
    let dir2 = tempfile::tempdir().unwrap();
    let mut fresh = workbook(dir2.path());
    let lines = fresh.import_feeds(&[kev.clone(), cut.clone()]).unwrap();
    assert_eq!(lines[1].action, kept);
    assert_eq!(fresh.feeds().unwrap()[0].item_count, 1404);
    // The same date with every stored entry (one changed) may replace, as before.
    let mut changed = cut_copy(&kev, 1404);
    if let FeedDocument::Kev { entries, .. } = &mut changed.documents[0] {
        entries[0].notes.push_str(" (updated)");
    }
    let lines = wb.import_feeds(std::slice::from_ref(&changed)).unwrap();
    assert_eq!(lines[0].action, FeedAction::Replaced { previous: date });
    assert_eq!(lines[0].kev.unwrap().changed, 1);

    // Advisories by the same rule.
    let advisory = corpus("csaf/icsma-20-343-01-redacted.json");
    wb.import_feeds(std::slice::from_ref(&advisory)).unwrap();
    let lines = wb
        .import_feeds(std::slice::from_ref(&cut_copy(&advisory, 1)))
        .unwrap();
    assert!(
        matches!(
            lines[0].action,
            FeedAction::KeptIncomplete { missing: 1, .. }
        ),
        "{:?}",
        lines[0].action
    );
    let stored = wb.feeds().unwrap();
    let ge = stored
        .iter()
        .find(|f| f.info.name == "ICSMA-20-343-01")
        .unwrap();
    assert_eq!(ge.item_count, 2);
    let lines = wb
        .import_feeds(std::slice::from_ref(&cut_copy(&advisory, 2)))
        .unwrap();
    assert!(matches!(lines[0].action, FeedAction::Replaced { .. }));
}
