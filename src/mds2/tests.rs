//! Reader tests on the corpus files and synthesised variants.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use super::*;

pub(crate) fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/mds2")
        .join(name)
}

const NEMA: &str = "nema-example-mds2-worksheet-hn1-2019.xlsx";
const MEDICAPTURE: &str = "medicapture-mvr-mds2-2019-as-text.md";

fn count(doc: &Mds2Document, label: &str) -> usize {
    doc.rows
        .iter()
        .filter(|r| r.answer.label() == label)
        .count()
}

#[test]
fn nema_example_reads_every_question() {
    let f = read_file(&corpus(NEMA)).unwrap();
    let doc = &f.document;
    assert_eq!(doc.rows.len(), 240);
    assert_eq!(doc.form_version, "HN 1-2019");
    assert_eq!(count(doc, "No"), 112);
    assert_eq!(count(doc, "N/A"), 90);
    assert_eq!(count(doc, "Yes"), 29);
    assert_eq!(count(doc, "Hidden"), 3);
    assert_eq!(count(doc, "See Note"), 1);
    assert_eq!(count(doc, "Blank"), 1);
    // DOC-2, DOC-5, DOC-6 free text and DOC-7 the date.
    assert_eq!(count(doc, "Other"), 4);
    for id in ["DOC-1", "DOC-3", "DOC-4"] {
        assert_eq!(doc.answer(id), Some(&Mds2Answer::Hidden), "{id}");
    }
    assert_eq!(doc.answer("DOC-10"), Some(&Mds2Answer::Blank));
    assert_eq!(doc.answer("SAHD-16"), Some(&Mds2Answer::SeeNote));
    assert_eq!(doc.release_date, NaiveDate::from_ymd_opt(2019, 10, 9));
    assert_eq!(doc.row("DOC-7").unwrap().raw, "2019-10-09");
    assert_eq!(
        doc.doc_text("DOC-2").as_deref(),
        Some("Handheld Blood Glucose Monitor")
    );
    // See Note N resolved from the foot of the form.
    assert_eq!(doc.notes.len(), 8);
    assert!(
        doc.row("DOC-10")
            .unwrap()
            .note
            .starts_with("Note 1: The device is a battery powered")
    );
    assert_eq!(
        doc.row("SAHD-16").unwrap().note,
        "Note 6: All access requires use of proprietary cable."
    );
    assert_eq!(
        doc.row("RDMP-3").unwrap().note,
        "Note 8: www.companywebsite.com/support/thisdevice"
    );
    // `__` placeholders are no note.
    assert_eq!(doc.row("MPII-1").unwrap().note, "");
    // The typo SHAD-15 is read as SAHD-15 and flagged.
    let sahd15 = doc.row("SAHD-15").unwrap();
    assert_eq!(sahd15.section, "SAHD");
    assert!(sahd15.flag.contains("SHAD-15"), "{}", sahd15.flag);
    assert_eq!(doc.flagged().count(), 1);
    // Reference columns found by their headers.
    let mpii1 = doc.row("MPII-1").unwrap();
    assert_eq!(
        (mpii1.nist.as_str(), mpii1.iso.as_str()),
        ("AR-2", "A.15.1.4")
    );
    match &doc.source {
        Mds2Source::Sheet {
            format,
            sheet,
            columns,
            header_row,
        } => {
            assert_eq!(format, "xlsx");
            assert_eq!(sheet, "mds2-form");
            assert_eq!(
                columns,
                &["A".to_string(), "C".to_string(), "D".to_string()]
            );
            assert_eq!(*header_row, Some(5));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.sha256.len(), 64);
    assert_eq!(f.file_name, NEMA);
    // Sections in form order, 23 of them.
    let mut sections: Vec<&str> = doc.rows.iter().map(|r| r.section.as_str()).collect();
    sections.dedup();
    assert_eq!(sections.len(), 23);
}

#[test]
fn medicapture_text_reads_every_question() {
    let f = read_file(&corpus(MEDICAPTURE)).unwrap();
    let doc = &f.document;
    assert_eq!(doc.rows.len(), 240);
    assert_eq!(doc.source, Mds2Source::Text);
    assert_eq!(count(doc, "Yes"), 118);
    assert_eq!(count(doc, "No"), 89);
    assert_eq!(count(doc, "N/A"), 24);
    assert_eq!(count(doc, "Other"), 7);
    assert_eq!(count(doc, "Blank"), 2);
    assert_eq!(doc.answer("CONN-1"), Some(&Mds2Answer::Blank));
    assert_eq!(doc.answer("CONN-1.1"), Some(&Mds2Answer::Blank));
    assert_eq!(doc.doc_text("DOC-1").as_deref(), Some("MediCapture Inc."));
    assert_eq!(doc.doc_text("DOC-4").as_deref(), Some("MDS2-MVR"));
    assert_eq!(doc.release_date, NaiveDate::from_ymd_opt(2026, 3, 20));
    let q = |id: &str| doc.row(id).unwrap();
    assert_eq!(
        (q("MPII-1").answer.clone(), q("MPII-1").note.as_str()),
        (Mds2Answer::Yes, "optional")
    );
    assert_eq!(
        (q("PAUT-4").answer.clone(), q("PAUT-4").note.as_str()),
        (Mds2Answer::NA, "No default accounts")
    );
    assert_eq!(
        (q("RDMP-4").answer.clone(), q("RDMP-4").note.as_str()),
        (Mds2Answer::No, "No end-of-life components")
    );
    assert_eq!(q("MPII-3").note, "DICOM WL, HL7, PACS");
    assert_eq!(q("MLDP-2").answer, Mds2Answer::No);
    assert_eq!(q("DOC-9").answer, Mds2Answer::No);
    assert_eq!(q("DOC-11").answer, Mds2Answer::No);
    assert_eq!(q("DOC-8").answer, Mds2Answer::Yes);
    assert!(q("SAHD-15").flag.contains("SHAD-15"));
}
