//! Tests across the sheet reader: corpus files end to end, and the file-size check.

use std::path::{Path, PathBuf};

use super::fixtures::{CORPUS_XLSX, TestResult, write_temp};
use super::{CellValue, Limits, SheetError, TableFormat, read_table, read_table_with_limits};

#[test]
fn other_corpus_files_pass_the_limits() -> TestResult {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/");
    for file in [
        "mds2/nema-example-mds2-worksheet-hn1-2019.xlsx",
        "risk-templates/ccb-cyfun2025-self-assessment-tool-ESSENTIAL-v3.1-redacted.xlsx",
        "risk-templates/ciso-assistant-nist-sp-800-66-rev2-hipaa.xlsx",
        "risk-templates/ciso-assistant-risk-matrix-5x5-iso-27005.xlsx",
        "risk-templates/ciso-assistant-risk_assessment_template-redacted.xlsx",
    ] {
        let path = PathBuf::from(corpus).join(file);
        let first = read_table(&path, None)?;
        assert!(!first.rows.is_empty(), "{file}");
        for sheet in &first.sheets {
            read_table(&path, Some(sheet))?;
        }
    }
    let kev = read_table(
        &PathBuf::from(corpus).join("kev/known_exploited_vulnerabilities-redacted.csv"),
        None,
    )?;
    assert_eq!(kev.csv.map(|c| c.delimiter), Some(b','));
    let header = kev.rows.first().ok_or("no header")?;
    assert_eq!(header.get(0).to_text(), "cveID");
    assert_eq!(header.width(), 11);
    assert!(kev.rows.len() > 1000);
    Ok(())
}

#[test]
fn corpus_inventory_reads_with_mixed_types() -> TestResult {
    let table = read_table(Path::new(CORPUS_XLSX), None)?;
    assert_eq!(table.format, TableFormat::Xlsx);
    assert_eq!(table.sheet.as_deref(), Some("Hoja1"));
    assert_eq!(table.sheets, vec!["Hoja1".to_string()]);
    assert!(!table.date1904);
    // Title rows 1, 3, 5, group headers in row 7, header in row 9, data rows 10–63; the
    // declared dimension A1:AY65 is not trusted (rows 64–65 hold nothing).
    let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
    assert_eq!(numbers.first(), Some(&1));
    assert_eq!(numbers.iter().filter(|n| **n >= 10).count(), 54);
    assert_eq!(numbers.last(), Some(&63));
    let row = |n: usize| table.rows.iter().find(|r| r.number == n);
    let header = row(9).ok_or("no row 9")?;
    assert_eq!(header.width(), 51);
    assert_eq!(header.get(10).to_text(), "Serie");
    assert_eq!(
        header.get(16).to_text(),
        "Antigüedad del eq. (F. adquisición)"
    );
    // Serial numbers: text with leading zeros, text digits, and numbers.
    let k = 10;
    assert_eq!(
        row(12).ok_or("row 12")?.get(k),
        &CellValue::Text("0000189".into())
    );
    assert_eq!(row(17).ok_or("row 17")?.get(k).to_text(), "1020313061616");
    let k21 = row(21).ok_or("row 21")?.get(k);
    assert!(matches!(k21, CellValue::Float(_) | CellValue::Int(_)));
    assert_eq!(k21.to_text(), "3000957831");
    assert_eq!(row(56).ok_or("row 56")?.get(k).to_text(), "00000005299");
    // Acquisition dates: a real date, an integer year, and text.
    assert_eq!(row(10).ok_or("row 10")?.get(16).to_text(), "2009-12-10");
    assert!(matches!(
        row(10).ok_or("row 10")?.get(16),
        CellValue::Date(_)
    ));
    assert_eq!(row(34).ok_or("row 34")?.get(16).to_text(), "2005");
    assert_eq!(row(51).ok_or("row 51")?.get(16).to_text(), "2006");
    // Trailing tab kept at this level (the inventory trims).
    assert_eq!(row(47).ok_or("row 47")?.get(11).to_text(), "Extensión  ");
    Ok(())
}

#[test]
fn oversized_file_is_refused() -> TestResult {
    let file = write_temp(b"Name\nPump\n", ".csv")?;
    let limits = Limits {
        max_file_bytes: 4,
        ..Limits::default()
    };
    let err = read_table_with_limits(file.path(), None, &limits)
        .err()
        .ok_or("expected an error")?;
    assert!(matches!(err, SheetError::TooLarge { .. }), "{err:?}");
    Ok(())
}
