//! Spreadsheets through calamine: the sheet is chosen, then its cells are read into rows.

use std::io::Cursor;

use calamine::{Data, Ods, Reader, SheetType, Xls, Xlsx};

use super::error::{Ctx, SheetError};
use super::from_calamine::{from_data, from_data_ref};
use super::sniff::explain_ole2;
use super::table::{Row, RowsBuilder, Table, TableFormat};
use super::xls_guard::check_xls;

/// Chooses the sheet to read: the named one (exact, else case-insensitive), or the first
/// worksheet.
fn choose_sheet(
    ctx: &Ctx<'_>,
    metadata: &[calamine::Sheet],
    wanted: Option<&str>,
) -> Result<String, SheetError> {
    let names: Vec<String> = metadata.iter().map(|s| s.name.clone()).collect();
    match wanted {
        Some(wanted) => {
            let trimmed = wanted.trim();
            if let Some(name) = names.iter().find(|n| n.as_str() == wanted) {
                return Ok(name.clone());
            }
            let folded: Vec<&String> = names
                .iter()
                .filter(|n| n.trim().to_lowercase() == trimmed.to_lowercase())
                .collect();
            match folded.as_slice() {
                [one] => Ok((*one).clone()),
                _ => Err(SheetError::SheetNotFound {
                    path: ctx.path.to_path_buf(),
                    name: wanted.to_string(),
                    sheets: names,
                }),
            }
        }
        None => metadata
            .iter()
            .find(|s| s.typ == SheetType::WorkSheet)
            .or_else(|| metadata.first())
            .map(|s| s.name.clone())
            .ok_or_else(|| SheetError::NoSheets {
                path: ctx.path.to_path_buf(),
            }),
    }
}

pub(super) fn read_xlsx(
    bytes: &[u8],
    ctx: &Ctx<'_>,
    sheet: Option<&str>,
) -> Result<Table, SheetError> {
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ctx.damaged("xlsx", e))?;
    let sheets = workbook.sheet_names();
    let name = choose_sheet(ctx, workbook.sheets_metadata(), sheet)?;
    let date1904 = workbook.has_1904_epoch();
    let mut builder = RowsBuilder::new(ctx, false);
    let mut cells = workbook
        .worksheet_cells_reader(&name)
        .map_err(|e| ctx.damaged("xlsx", format!("sheet \"{name}\": {e}")))?;
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(
                calamine::XlsxError::RowNumberOverflow | calamine::XlsxError::ColumnNumberOverflow,
            ) => {
                return Err(ctx.out_of_bounds(format!("sheet \"{name}\": a cell")));
            }
            Err(e) => return Err(ctx.damaged("xlsx", format!("sheet \"{name}\": {e}"))),
        };
        let (row, col) = cell.get_position();
        builder.push(
            row as usize + 1,
            col as usize,
            from_data_ref(cell.get_value()),
        )?;
    }
    Ok(Table {
        format: TableFormat::Xlsx,
        sheet: Some(name),
        sheets,
        csv: None,
        date1904,
        rows: builder.finish(),
    })
}

pub(super) fn read_ods(
    bytes: &[u8],
    ctx: &Ctx<'_>,
    sheet: Option<&str>,
) -> Result<Table, SheetError> {
    let mut workbook: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(|e| ctx.damaged("ods", e))?;
    let sheets = workbook.sheet_names();
    let name = choose_sheet(ctx, workbook.sheets_metadata(), sheet)?;
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| ctx.damaged("ods", format!("sheet \"{name}\": {e}")))?;
    let rows = rows_from_range(ctx, &range)?;
    Ok(Table {
        format: TableFormat::Ods,
        sheet: Some(name),
        sheets,
        csv: None,
        date1904: false,
        rows,
    })
}

pub(super) fn read_xls(
    bytes: &[u8],
    ctx: &Ctx<'_>,
    sheet: Option<&str>,
) -> Result<Table, SheetError> {
    check_xls(bytes, ctx)?;
    let mut workbook: Xls<_> = match Xls::new(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(e) => return Err(explain_ole2(bytes, ctx, e)),
    };
    let sheets = workbook.sheet_names();
    let name = choose_sheet(ctx, workbook.sheets_metadata(), sheet)?;
    let date1904 = workbook.has_1904_epoch();
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| ctx.damaged("xls", format!("sheet \"{name}\": {e}")))?;
    let rows = rows_from_range(ctx, &range)?;
    Ok(Table {
        format: TableFormat::Xls,
        sheet: Some(name),
        sheets,
        csv: None,
        date1904,
        rows,
    })
}

fn rows_from_range(ctx: &Ctx<'_>, range: &calamine::Range<Data>) -> Result<Vec<Row>, SheetError> {
    let mut builder = RowsBuilder::new(ctx, false);
    let (row0, col0) = range.start().unwrap_or((0, 0));
    for (r, c, value) in range.used_cells() {
        let row = r + row0 as usize;
        let col = c + col0 as usize;
        builder.push(row + 1, col, from_data(value))?;
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::import::sheet::fixtures::{
        CORPUS_XLSX, TestResult, ods_bytes, rewrite_zip, texts, write_temp, xlsx_bytes,
    };
    use crate::import::sheet::{
        Limits, SheetError, TableFormat, read_table, read_table_from_bytes,
    };

    #[test]
    fn corpus_sheet_by_name_and_missing_sheet() -> TestResult {
        let table = read_table(Path::new(CORPUS_XLSX), Some("hoja1"))?;
        assert_eq!(table.sheet.as_deref(), Some("Hoja1"));
        let err = read_table(Path::new(CORPUS_XLSX), Some("Inventario"))
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::SheetNotFound { .. }));
        let msg = err.to_string();
        assert!(msg.contains("no sheet \"Inventario\""), "{msg}");
        assert!(msg.contains("its sheets are: Hoja1"), "{msg}");
        Ok(())
    }

    #[test]
    fn declared_dimension_is_not_trusted() -> TestResult {
        let bytes = xlsx_bytes(|s| {
            s.write_string(0, 0, "Name")?;
            s.write_string(1, 0, "Pump")?;
            Ok(())
        })?;
        let bytes = rewrite_zip(
            &bytes,
            |name, data| {
                if name == "xl/worksheets/sheet1.xml" {
                    let xml = String::from_utf8_lossy(&data);
                    let start = xml.find("<dimension").unwrap_or(0);
                    let end = xml[start..].find("/>").map_or(start, |e| start + e + 2);
                    let mut xml = xml.into_owned();
                    xml.replace_range(start..end, r#"<dimension ref="A1:XFD1048576"/>"#);
                    Some(xml.into_bytes())
                } else {
                    Some(data)
                }
            },
            &[],
        )?;
        let table = read_table_from_bytes(&bytes, Path::new("d.xlsx"), None, &Limits::default())?;
        assert_eq!(table.rows.len(), 2);
        Ok(())
    }

    #[test]
    fn xlsx_cell_limits_name_the_cell() -> TestResult {
        let bytes = xlsx_bytes(|s| {
            s.write_string(0, 0, "Notes")?;
            s.write_string(4, 2, "x".repeat(50))?;
            s.write_string(200, 0, "far down")?;
            Ok(())
        })?;
        let limits = Limits {
            max_text_chars: 40,
            ..Limits::default()
        };
        let err = read_table_from_bytes(&bytes, Path::new("l.xlsx"), None, &limits)
            .err()
            .ok_or("expected an error")?;
        assert!(
            matches!(err, SheetError::TextTooLong { chars: 50, .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains("cell C5 holds 50 characters"),
            "{err}"
        );

        let limits = Limits {
            max_rows: 100,
            ..Limits::default()
        };
        let err = read_table_from_bytes(&bytes, Path::new("l.xlsx"), None, &limits)
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::OutOfBounds { .. }), "{err}");
        assert!(err.to_string().contains("cell A201"), "{err}");
        Ok(())
    }

    #[test]
    fn truncated_xlsx_is_a_clear_error() -> TestResult {
        let bytes = std::fs::read(CORPUS_XLSX)?;
        let cut = bytes.get(..bytes.len() / 2).ok_or("short")?;
        let file = write_temp(cut, ".xlsx")?;
        let err = read_table(file.path(), None)
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::Damaged { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("truncated or damaged"), "{msg}");
        assert!(msg.contains(&file.path().display().to_string()), "{msg}");
        Ok(())
    }

    #[test]
    fn ods_fixture_reads() -> TestResult {
        let rows = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>Name</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Serial</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Installed</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>In scope</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="4"/></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>Evita V500</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="1020313061616"><text:p>1020313061616</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2021-08-31"><text:p>31/08/2021</text:p></table:table-cell><table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
        let bytes = ods_bytes("Geräte", rows)?;
        let file = write_temp(&bytes, ".xlsx")?; // the name lies; the bytes decide
        let table = read_table(file.path(), None)?;
        assert_eq!(table.format, TableFormat::Ods);
        assert_eq!(table.sheet.as_deref(), Some("Geräte"));
        assert_eq!(table.rows.len(), 2);
        let data = table.rows.get(1).ok_or("no data row")?;
        assert_eq!(data.number, 5);
        assert_eq!(
            texts(data),
            ["Evita V500", "1020313061616", "2021-08-31", "TRUE"]
        );
        Ok(())
    }
}
