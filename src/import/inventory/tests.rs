//! Tests across the importer: the corpus inventory, CSV encodings, ods and xls files, unreadable
//! files; and the helpers the inventory tests share.

use std::path::Path;

use super::*;
use crate::import::sheet::SheetError;
use crate::import::sheet::fixtures::{self, CORPUS_XLSX, TestResult, write_temp};

/// Reads `bytes` as an inventory CSV file.
pub(super) fn csv(
    bytes: &[u8],
    opts: &InventoryOptions,
) -> Result<InventoryFile, Box<dyn std::error::Error>> {
    let file = write_temp(bytes, ".csv")?;
    Ok(read_inventory(file.path(), opts)?)
}

/// The value of field `key` in `row`.
pub(super) fn value<'r>(row: &'r InventoryRow, key: &str) -> Option<&'r str> {
    row.values
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.as_str())
}

/// The extra attribute `name` of `row`.
pub(super) fn extra<'r>(row: &'r InventoryRow, name: &str) -> Option<&'r str> {
    row.extra
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Options holding `--map` pairs only.
pub(super) fn map(pairs: &[(&str, &str)]) -> InventoryOptions {
    InventoryOptions {
        map: pairs
            .iter()
            .map(|(c, f)| (c.to_string(), f.to_string()))
            .collect(),
        ..InventoryOptions::default()
    }
}

#[test]
fn corpus_inventory_with_recommended_map() -> TestResult {
    let opts = map(&[("Fecha finalización garantía", "extra")]);
    let inv = read_inventory(Path::new(CORPUS_XLSX), &opts)?;
    assert_eq!(inv.format, TableFormat::Xlsx);
    assert_eq!(inv.sheet.as_deref(), Some("Hoja1"));
    assert_eq!(inv.header_row, 9);
    assert_eq!(inv.columns.len(), 51);
    assert_eq!(inv.rejected, Vec::<RejectedRow>::new());
    assert_eq!(inv.rows.len(), 54);
    let mapped: Vec<(&str, &str)> = inv
        .columns
        .iter()
        .filter_map(|c| c.field.map(|f| (c.letter.as_str(), f)))
        .collect();
    assert_eq!(
        mapped,
        [
            ("A", "site"),
            ("C", "name"),
            ("D", "asset_tag"),
            ("F", "nomenclature_code"),
            ("H", "room"),
            ("I", "manufacturer"),
            ("J", "model"),
            ("K", "serial_number"),
            ("N", "regulatory_class"),
        ]
    );
    let row = |line: usize| {
        inv.rows
            .iter()
            .find(|r| r.line == line)
            .ok_or("missing row")
    };
    let r10 = row(10)?;
    assert_eq!(value(r10, "name"), Some("Congelador"));
    assert_eq!(value(r10, "manufacturer"), Some("Challenger"));
    assert_eq!(value(r10, "model"), Some("CV430"));
    assert_eq!(value(r10, "serial_number"), Some("9053127"));
    assert_eq!(value(r10, "asset_tag"), Some("135306"));
    assert_eq!(
        extra(r10, "Antigüedad del eq. (F. adquisición)"),
        Some("2009-12-10")
    );
    assert_eq!(extra(r10, "Proceso"), Some("LIME"));
    assert_eq!(value(row(12)?, "serial_number"), Some("0000189"));
    assert_eq!(value(row(17)?, "serial_number"), Some("1020313061616"));
    assert_eq!(value(row(21)?, "serial_number"), Some("3000957831"));
    assert_eq!(
        value(row(27)?, "serial_number"),
        Some("0101010003022000165")
    );
    assert_eq!(value(row(45)?, "serial_number"), Some("8D07016"));
    // Trailing spaces and tabs are trimmed, in fields and in extras.
    assert_eq!(value(row(14)?, "name"), Some("Micropipeta"));
    assert_eq!(
        extra(
            row(47)?,
            "Clasificación según eje misional (Docencia y/o Investigación y/o Extensión)"
        ),
        Some("Extensión")
    );
    assert_eq!(value(row(35)?, "regulatory_class"), Some("Clase I"));
    // Placeholders in identifiers are read as empty, and said so.
    assert_eq!(value(row(49)?, "asset_tag"), None);
    assert_eq!(value(row(61)?, "serial_number"), None);
    assert!(
        inv.warnings
            .iter()
            .any(|w| w
                .contains("column K \"Serie\" (serial_number): 2 placeholder values (\"N/I\")")),
        "{:#?}",
        inv.warnings
    );
    // The acquisition date stays an extra attribute, as typed.
    assert_eq!(
        extra(row(36)?, "Antigüedad del eq. (F. adquisición)"),
        Some("Antes de 2003")
    );
    assert_eq!(
        extra(row(34)?, "Antigüedad del eq. (F. adquisición)"),
        Some("2005")
    );
    assert_eq!(
        extra(row(13)?, "Fecha finalización garantía"),
        Some("2022-07-15")
    );
    Ok(())
}

#[test]
fn corpus_inventory_without_map_rejects_text_warranty_dates() -> TestResult {
    let inv = read_inventory(Path::new(CORPUS_XLSX), &InventoryOptions::default())?;
    assert_eq!(inv.header_row, 9);
    assert_eq!(inv.rows.len() + inv.rejected.len(), 54);
    let w = inv.columns.iter().find(|c| c.letter == "W").ok_or("no W")?;
    assert_eq!(w.field, Some("service_contract_end"));
    let r42 = inv
        .rejected
        .iter()
        .find(|r| r.line == 42)
        .ok_or("row 42 accepted")?;
    assert_eq!(r42.cell.as_deref(), Some("W42"));
    assert!(
            r42.reason.contains("column W \"Fecha finalización garantía\" (service_contract_end): \"Julio de 2010\" is not a date"),
            "{}",
            r42.reason
        );
    // "N/A" and "NI" are placeholders, not errors.
    assert!(inv.rows.iter().any(|r| r.line == 10));
    Ok(())
}

#[test]
fn corpus_install_date_map_rejects_rows_that_hold_no_date() -> TestResult {
    let opts = map(&[
        ("Fecha finalización garantía", "-"),
        ("antiguedad del eq. (f. adquisicion)", "install_date"),
    ]);
    let inv = read_inventory(Path::new(CORPUS_XLSX), &opts)?;
    let by_line = |n: usize| inv.rejected.iter().find(|r| r.line == n);
    let r34 = by_line(34).ok_or("row 34 accepted")?;
    assert!(r34.reason.contains("2005 is a year only"), "{}", r34.reason);
    assert!(by_line(36).is_some(), "\"Antes de 2003\" accepted");
    let ok = |n: usize| {
        inv.rows
            .iter()
            .find(|r| r.line == n)
            .and_then(|r| value(r, "install_date"))
    };
    assert_eq!(ok(10), Some("2009-12-10"));
    assert_eq!(ok(43), Some("2013-02-06"));
    // NI → empty, not a reject.
    assert!(inv.rows.iter().any(|r| r.line == 30));
    let w = inv.columns.iter().find(|c| c.letter == "W").ok_or("no W")?;
    assert!(w.ignored && w.from_map);
    assert!(!inv.rows.iter().any(|r| {
        r.extra
            .iter()
            .any(|(k, _)| k == "Fecha finalización garantía")
    }));
    Ok(())
}

#[test]
fn csv_utf8_bom_and_windows_1252() -> TestResult {
    let text = "Device Name,Manufacturer,Model,Serial Number,IP Address\nEvita V500,Dräger,V500,0000189,10.0.0.5\n";
    for bytes in [
        text.as_bytes().to_vec(),
        [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
    ] {
        let inv = csv(&bytes, &InventoryOptions::default())?;
        assert_eq!(inv.header_row, 1);
        let row = inv.rows.first().ok_or("no row")?;
        assert_eq!(row.line, 2);
        assert_eq!(value(row, "manufacturer"), Some("Dräger"));
        assert_eq!(value(row, "serial_number"), Some("0000189"));
        assert_eq!(value(row, "ip_addresses"), Some("10.0.0.5"));
    }
    let cp1252 = b"Nombre del equipo;Marca;Modelo;Serie\nVentilador;Dr\xE4ger;Evita;123\n";
    let inv = csv(cp1252, &InventoryOptions::default())?;
    let row = inv.rows.first().ok_or("no row")?;
    assert_eq!(value(row, "manufacturer"), Some("Dräger"));
    assert_eq!(value(row, "name"), Some("Ventilador"));
    Ok(())
}

#[test]
fn ods_and_xls_inventories() -> TestResult {
    let rows = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>Fabricante</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Modelo</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Número de serie</text:p></table:table-cell></table:table-row><table:table-row><table:table-cell office:value-type="string"><text:p>Mindray</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>BeneVision N12</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="3000957831"><text:p>3000957831</text:p></table:table-cell></table:table-row>"#;
    let bytes = fixtures::ods_bytes("Equipos", rows)?;
    let file = write_temp(&bytes, ".ods")?;
    let inv = read_inventory(file.path(), &InventoryOptions::default())?;
    assert_eq!(inv.format, TableFormat::Ods);
    let row = inv.rows.first().ok_or("no row")?;
    assert_eq!(value(row, "name"), Some("Mindray BeneVision N12"));
    assert_eq!(value(row, "serial_number"), Some("3000957831"));

    use fixtures::XlsCell;
    let cells = [
        (2, 0, XlsCell::Text("Hersteller")),
        (2, 1, XlsCell::Text("Gerät")),
        (2, 2, XlsCell::Text("Seriennummer")),
        (2, 3, XlsCell::Text("Inbetriebnahme")),
        (3, 0, XlsCell::Text("Dräger")),
        (3, 1, XlsCell::Text("Evita V500")),
        (3, 2, XlsCell::Number(81_234.0, 0)),
        (3, 3, XlsCell::Number(40157.0, 1)),
    ];
    let bytes = fixtures::cfb_file(&fixtures::xls_stream("Geräte", &cells, None));
    let file = write_temp(&bytes, ".xls")?;
    let inv = read_inventory(file.path(), &InventoryOptions::default())?;
    assert_eq!(inv.format, TableFormat::Xls);
    assert_eq!(inv.header_row, 3);
    let row = inv.rows.first().ok_or("no row")?;
    assert_eq!(value(row, "manufacturer"), Some("Dräger"));
    assert_eq!(value(row, "name"), Some("Evita V500"));
    assert_eq!(value(row, "serial_number"), Some("81234"));
    assert_eq!(value(row, "install_date"), Some("2009-12-10"));
    Ok(())
}

#[test]
fn unreadable_files_are_errors() -> TestResult {
    let empty = write_temp(b"", ".csv")?;
    let err = read_inventory(empty.path(), &InventoryOptions::default())
        .err()
        .ok_or("accepted")?;
    assert!(matches!(
        err,
        InventoryError::Sheet(SheetError::Empty { .. })
    ));
    assert!(!err.is_usage());
    let err = read_inventory(
        Path::new(CORPUS_XLSX),
        &InventoryOptions {
            sheet: Some("Inventario".into()),
            ..InventoryOptions::default()
        },
    )
    .err()
    .ok_or("accepted")?;
    assert!(err.is_usage());
    assert!(err.to_string().contains("its sheets are: Hoja1"), "{err}");
    Ok(())
}

#[test]
fn progress_reads_the_bytes_then_parses() -> TestResult {
    use crate::progress::{Recorder, Stage};
    let path = Path::new(CORPUS_XLSX);
    let size = std::fs::metadata(path)?.len();
    let opts = InventoryOptions::default();
    let mut recorder = Recorder::default();
    let inv = read_inventory_with_progress(path, &opts, &mut recorder)?;
    assert_eq!(inv, read_inventory(path, &opts)?);
    assert_eq!(recorder.stages, [Stage::Reading, Stage::Parsing]);
    assert_eq!(recorder.check()?, [(Stage::Reading, size)]);
    Ok(())
}
