//! Reader tests on the corpus files and synthesised variants.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use super::*;
use crate::import::sheet::Limits;

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

/// A small HN 1-2019 form: (ID as written, question, answer cell, note cell).
const FORM: &[(&str, &str, &str, &str)] = &[
    ("DOC-1", "Manufacturer Name", "Acme Medical", "__"),
    ("DOC-2", "Device Description", "Infusion pump", "__"),
    ("DOC-3", "Device Model", "AP-5", "__"),
    ("DOC-4", "Document ID", "ACME-MDS2-7", "__"),
    ("DOC-7", "Document Release Date", "October 9, 2019", "__"),
    (
        "DOC-8",
        "Coordinated Vulnerability Disclosure?",
        "Yes, see https://acme.example/psirt",
        "",
    ),
    (
        "MPII-1",
        "Can this device display, transmit, store, or modify PII?",
        "Yes",
        "__",
    ),
    (
        "MPII-2",
        "Does the device maintain PII?",
        "Yes, optional",
        "",
    ),
    (
        "MPII-3",
        "Does the device have mechanisms used for transmitting PII?",
        "No",
        "See Note 1",
    ),
    ("MPII-3.1", "Does the device display PII?", "None", ""),
    (
        "STCF-1",
        "Can the device encrypt data at rest?",
        "Not applicable",
        "",
    ),
    ("STCF-1.1", "Is all data encrypted?", "N/A: no storage", ""),
    (
        "SHAD-15",
        "Can the system prevent access to BIOS?",
        "Yes",
        "",
    ),
    (
        "CONN-1",
        "Does the device have hardware connectivity capabilities?",
        "____",
        "",
    ),
    ("CONN-1.1.1", "Does the device support Wi-Fi?", "Yes", ""),
    ("XYZ-1", "A question of an unknown section?", "No", ""),
    (
        "SBoM-1",
        "Is the SBoM for this product available?",
        "No",
        "Note: ask sales",
    ),
    (
        "RMOT-1",
        "Does the device permit remote service connections?",
        "no",
        "",
    ),
];

/// Writes FORM into a sheet with the ID, question, answer and note in the given columns,
/// reference headers in `refs` columns, headers on `header_row` (0-based), an optional merged
/// two-row title, extra columns, and the notes at the foot.
fn synthetic_xlsx(
    id: u16,
    question: u16,
    answer: u16,
    note: u16,
    merged_title: bool,
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    // A cover sheet with stray ID-like text that must not decide anything.
    let cover = workbook.add_worksheet();
    cover.set_name("Cover")?;
    cover.write_string(0, 0, "UTF-8")?;
    cover.write_string(1, 0, "CVE-2019")?;
    let sheet = workbook.add_worksheet();
    sheet.set_name("Form")?;
    let mut r = 0u32;
    if merged_title {
        let fmt = rust_xlsxwriter::Format::new();
        sheet.merge_range(
            0,
            0,
            1,
            8,
            "Manufacturer Disclosure Statement for Medical Device Security -- MDS2",
            &fmt,
        )?;
        sheet.merge_range(2, 5, 2, 7, "References", &fmt)?;
        r = 3;
    }
    sheet.write_string(r, id, "Question ID")?;
    sheet.write_string(r, question, "Question")?;
    sheet.write_string(r, note, "See note")?;
    sheet.write_string(r, 5, "IEC TR 80001-2-2:2012")?;
    sheet.write_string(r, 6, "NIST SP 800-53 Rev. 4")?;
    sheet.write_string(r, 7, "ISO 27002:2013")?;
    sheet.write_string(r, 8, "Comments")?;
    for (i, (qid, text, ans, n)) in FORM.iter().enumerate() {
        let row = r + 1 + i as u32;
        sheet.write_string(row, id, *qid)?;
        sheet.write_string(row, question, *text)?;
        if !ans.is_empty() {
            sheet.write_string(row, answer, *ans)?;
        }
        if !n.is_empty() {
            sheet.write_string(row, note, *n)?;
        }
        sheet.write_string(row, 6, "AC-1")?;
        sheet.write_string(row, 7, "A.9.1.1")?;
        sheet.write_string(row, 8, "ok")?;
    }
    let foot = r + 3 + FORM.len() as u32;
    sheet.write_string(foot, id, "Note 1")?;
    sheet.write_string(foot, question, "Transfer is by proprietary cable only.")?;
    Ok(workbook.save_to_buffer()?)
}

fn read_synthetic(bytes: &[u8], name: &str) -> Result<Mds2Document, Mds2Error> {
    read_bytes(bytes, Path::new(name), &Limits::default()).map(|f| f.document)
}

fn check_synthetic(doc: &Mds2Document) {
    assert_eq!(doc.rows.len(), FORM.len());
    let q = |id: &str| doc.row(id).unwrap_or_else(|| panic!("{id} missing"));
    assert_eq!(doc.doc_text("DOC-1").as_deref(), Some("Acme Medical"));
    assert_eq!(doc.release_date, NaiveDate::from_ymd_opt(2019, 10, 9));
    assert_eq!(
        (q("MPII-2").answer.clone(), q("MPII-2").note.as_str()),
        (Mds2Answer::Yes, "optional")
    );
    assert_eq!(q("MPII-3").answer, Mds2Answer::No);
    assert_eq!(
        q("MPII-3").note,
        "Note 1: Transfer is by proprietary cable only."
    );
    assert_eq!(q("MPII-3.1").answer, Mds2Answer::Other("None".into()));
    assert_eq!(q("STCF-1").answer, Mds2Answer::NA);
    assert_eq!(
        (q("STCF-1.1").answer.clone(), q("STCF-1.1").note.as_str()),
        (Mds2Answer::NA, "no storage")
    );
    assert_eq!(q("SAHD-15").section, "SAHD");
    assert!(q("SAHD-15").flag.contains("typo SHAD-15"));
    assert_eq!(q("CONN-1").answer, Mds2Answer::Blank);
    assert!(q("XYZ-1").flag.contains("unknown section XYZ"));
    assert_eq!(q("SBOM-1").answer, Mds2Answer::No);
    assert_eq!(q("SBOM-1").note, "Note: ask sales");
    assert_eq!(q("RMOT-1").answer, Mds2Answer::No);
    assert_eq!(q("MPII-1").nist, "AC-1");
    assert_eq!(q("MPII-1").iso, "A.9.1.1");
    assert_eq!(q("MPII-1").note, "");
}

#[test]
fn the_usual_layout_with_extra_columns_and_a_cover_sheet() {
    let bytes = synthetic_xlsx(0, 1, 2, 3, false).unwrap();
    let doc = read_synthetic(&bytes, "form.xlsx").unwrap();
    check_synthetic(&doc);
    match &doc.source {
        Mds2Source::Sheet { sheet, columns, .. } => {
            assert_eq!(sheet, "Form");
            assert_eq!(
                columns,
                &["A".to_string(), "C".to_string(), "D".to_string()]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn moved_columns_and_merged_header_rows() {
    // Note left of the ID, question and answer further right, a merged two-row title and a
    // merged "References" row above the headers.
    let bytes = synthetic_xlsx(1, 2, 4, 0, true).unwrap();
    let doc = read_synthetic(&bytes, "moved.xlsx").unwrap();
    check_synthetic(&doc);
    match &doc.source {
        Mds2Source::Sheet {
            columns,
            header_row,
            ..
        } => {
            assert_eq!(
                columns,
                &["B".to_string(), "E".to_string(), "A".to_string()]
            );
            assert_eq!(*header_row, Some(4));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_form_without_hn_2019_sections_or_ids_is_refused() {
    // Only DOC questions: the version cannot be told.
    let bytes = crate::import::sheet::fixtures::xlsx_bytes(|s| {
        s.write_string(0, 0, "DOC-1")?;
        s.write_string(0, 1, "Manufacturer")?;
        s.write_string(0, 2, "Acme")?;
        Ok(())
    })
    .unwrap();
    let e = read_synthetic(&bytes, "doc-only.xlsx").unwrap_err();
    assert!(
        matches!(e, Mds2Error::UnknownVersion { count: 1, .. }),
        "{e}"
    );
    // The 2013 form: numbered questions and its name.
    let bytes = crate::import::sheet::fixtures::xlsx_bytes(|s| {
        s.write_string(
            0,
            0,
            "Manufacturer Disclosure Statement for Medical Device Security – MDS2, HN 1-2013",
        )?;
        s.write_string(2, 0, "1-1")?;
        s.write_string(
            2,
            1,
            "Can this device display, transmit, or maintain private data?",
        )?;
        s.write_string(2, 2, "Yes")?;
        Ok(())
    })
    .unwrap();
    let e = read_synthetic(&bytes, "old.xlsx").unwrap_err();
    assert!(matches!(e, Mds2Error::Hn2013 { .. }), "{e}");
    assert!(e.to_string().contains("HN 1-2013"), "{e}");
    // No IDs at all.
    let bytes = crate::import::sheet::fixtures::xlsx_bytes(|s| {
        s.write_string(0, 0, "Asset tag")?;
        s.write_string(1, 0, "UTF-8")?;
        Ok(())
    })
    .unwrap();
    let e = read_synthetic(&bytes, "inventory.xlsx").unwrap_err();
    assert!(matches!(e, Mds2Error::NoQuestions { .. }), "{e}");
}

#[test]
fn broken_files_are_refused_clearly() {
    let good = synthetic_xlsx(0, 1, 2, 3, false).unwrap();
    let truncated = &good[..good.len() / 2];
    let e = read_synthetic(truncated, "cut.xlsx").unwrap_err();
    assert!(matches!(e, Mds2Error::Sheet(_)), "{e}");
    let e = read_synthetic(b"", "empty.xlsx").unwrap_err();
    assert!(matches!(e, Mds2Error::Empty { .. }), "{e}");
    let e = read_synthetic(b"name,model\npump,AP-5\n", "devices.csv").unwrap_err();
    assert!(matches!(e, Mds2Error::NoQuestions { .. }), "{e}");
    let e = read_synthetic(&[0xff, 0xfe, 0x00, 0x81, 0x00], "garbage.bin").unwrap_err();
    assert!(matches!(e, Mds2Error::NotReadable { .. }), "{e}");
    let long = format!("MPII-1: {}? Yes\n", "x".repeat(40_000));
    let e = read_synthetic(long.as_bytes(), "long.txt").unwrap_err();
    assert!(matches!(e, Mds2Error::LineTooLong { line: 1, .. }), "{e}");
    let e = read_synthetic(b"%PDF-1.7\n...", "mds2.pdf").unwrap_err();
    assert!(matches!(e, Mds2Error::Pdf { .. }), "{e}");
    assert!(e.to_string().contains("copy it into a .txt file"), "{e}");
}

#[test]
fn text_lines_in_other_shapes() {
    let text = "\
| Question ID | Question | Answer | Note |
|---|---|---|---|
| DOC-1 | Manufacturer Name | Acme | |
| MPII-1 | Can this device handle PII? | Yes | See Note 2 |
CONN-1: Does the device have hardware connectivity? No
\"RMOT-1\",\"Does the device permit remote service?\": N/A
Note 2: Only on the service port.
";
    let doc = read_synthetic(text.as_bytes(), "mds2.md").unwrap();
    assert_eq!(doc.rows.len(), 4);
    assert_eq!(doc.doc_text("DOC-1").as_deref(), Some("Acme"));
    assert_eq!(doc.answer("MPII-1"), Some(&Mds2Answer::Yes));
    assert_eq!(
        doc.row("MPII-1").unwrap().note,
        "Note 2: Only on the service port."
    );
    assert_eq!(doc.answer("CONN-1"), Some(&Mds2Answer::No));
    assert_eq!(doc.answer("RMOT-1"), Some(&Mds2Answer::NA));
}

#[test]
fn libreoffice_xls_and_ods_copies_read_like_the_xlsx() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mds2");
    for name in ["synthetic-mds2.xls", "synthetic-mds2.ods"] {
        let f = read_file(&dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_synthetic(&f.document);
    }
}

#[test]
fn prefill_rules_cite_real_controls_and_never_site_ones() {
    let cat = crate::catalog::catalog();
    for rule in rules::RULES {
        let control = cat
            .control(rule.control)
            .unwrap_or_else(|| panic!("{}", rule.control));
        assert_ne!(
            control.scope,
            crate::catalog::Scope::Site,
            "{}",
            rule.control
        );
        assert!(!rule.reason.is_empty());
        for clause in rule.clauses {
            let (rules::When::All(list) | rules::When::Any(list)) = clause.when;
            for (q, _) in list {
                assert!(
                    parse_question_id(q).is_some_and(|id| id.known && id.id == *q),
                    "{q}"
                );
            }
        }
    }
}

#[test]
fn prefill_follows_the_catalog_rules_on_the_nema_example() {
    let f = read_file(&corpus(NEMA)).unwrap();
    let s = rules::suggestions(&f.document);
    let get = |c: &str| s.iter().find(|x| x.control == c);
    use crate::assessment::Response;
    // STCF-1 = No → No; MPII-1 = Yes so not N/A.
    assert_eq!(get("ENC-01").map(|x| x.response), Some(Response::No));
    assert_eq!(
        get("ENC-01").unwrap().note,
        "MDS2 STCF-1 = No: no encryption at rest"
    );
    // A pure model capability: TXIG-1 = No → No.
    assert_eq!(get("ENC-04").map(|x| x.response), Some(Response::No));
    // N/A carries exactly `MDS2 <ID> = <answer>`.
    assert_eq!(get("ACC-07").unwrap().note, "MDS2 EMRG-1 = N/A");
    // DTBK-2 = Yes → Unknown with the claimed-capability note.
    let ir06 = get("IR-06").unwrap();
    assert_eq!(ir06.response, Response::Unknown);
    assert!(ir06.note.starts_with(rules::CLAIMED), "{}", ir06.note);
    // No cloud dependency: CLOUD-02 … 09 N/A, CLOUD-01 itself not suggested.
    assert!(get("CLOUD-01").is_none());
    assert_eq!(
        s.iter().filter(|x| x.control.starts_with("CLOUD-")).count(),
        8
    );
    // The MediCapture text: ENC-04 Yes? TXIG-1 = No there; PATCH-05 from SAHD-3.2 = Yes → Yes.
    let m = read_file(&corpus(MEDICAPTURE)).unwrap();
    let s = rules::suggestions(&m.document);
    let p5 = s.iter().find(|x| x.control == "PATCH-05").unwrap();
    assert_eq!(
        (p5.response, p5.note.as_str()),
        (Response::Yes, "MDS2 SAHD-3.2 = Yes")
    );
    let acc6 = s.iter().find(|x| x.control == "ACC-06").unwrap();
    assert_eq!(acc6.response, Response::Unknown);
    assert_eq!(
        acc6.note,
        "capability claimed by the manufacturer – verify on site: verify the timeout (MDS2 ALOF-1 = Yes)"
    );
}
