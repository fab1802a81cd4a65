//! xls: calamine parses every sheet when it opens the file, reserves memory for each sheet's
//! declared DIMENSIONS and expands its cells to their bounding box, so both are measured here
//! first, with [`super::ole2`] and a walk over the BIFF records.

use super::cell::cell_address;
use super::error::{Ctx, SheetError};
use super::ole2::{CompoundFile, le16, le32};
use super::sniff::explain_ole2;

/// BIFF records of a stream: (type, data), stopping at a truncated record.
fn biff_records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        let typ = le16(rest, 0)?;
        let len = usize::from(le16(rest, 2)?);
        let data = rest.get(4..4 + len)?;
        rest = rest.get(4 + len..)?;
        Some((typ, data))
    })
}

/// Measures every sheet of an xls file the way calamine will expand it.
pub(super) fn check_xls(bytes: &[u8], ctx: &Ctx<'_>) -> Result<(), SheetError> {
    let limits = ctx.limits;
    let stream = match CompoundFile::workbook_stream(bytes) {
        Ok(Some(stream)) => stream,
        Ok(None) => return Err(explain_ole2(bytes, ctx, "it holds no Workbook stream")),
        Err(e) => return Err(ctx.damaged("xls", e)),
    };
    let mut sheets = Vec::new();
    for (typ, data) in biff_records(&stream) {
        match typ {
            0x0085 => sheets.extend(le32(data, 0)),
            0x000A => break,
            _ => {}
        }
    }
    for (index, pos) in sheets.into_iter().enumerate() {
        let Some(sheet) = stream.get(pos as usize..) else {
            continue;
        };
        let mut seen_bof = false;
        let mut depth = 0usize;
        let mut bbox: Option<(u32, u32, u32, u32)> = None;
        let mut note = |row: u32, col: u32| -> Result<(), SheetError> {
            if col as usize >= limits.max_cols || row as usize >= limits.max_rows {
                return Err(ctx.out_of_bounds(format!(
                    "sheet {} cell {}",
                    index + 1,
                    cell_address(row as usize + 1, col as usize)
                )));
            }
            bbox = Some(match bbox {
                None => (row, row, col, col),
                Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
            });
            Ok(())
        };
        let too_dense = |rows: u64, cols: u64| {
            ctx.refused(format!(
                "sheet {} spans {rows} rows × {cols} columns, more than the {} cells medsec expands for an xls file; delete the unused rows and columns or save it as .xlsx",
                index + 1,
                limits.max_dense_cells
            ))
        };
        for (typ, data) in biff_records(sheet) {
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x000A => break,
                // DIMENSIONS: calamine reserves rows × columns cells from it.
                0x0200 => {
                    let (rf, rl, mut cf, cl) = match data.len() {
                        10 => (
                            u32::from(le16(data, 0).unwrap_or(0)),
                            u32::from(le16(data, 2).unwrap_or(0)),
                            u32::from(le16(data, 4).unwrap_or(0)),
                            u32::from(le16(data, 6).unwrap_or(0)),
                        ),
                        14 | 16 => (
                            le32(data, 0).unwrap_or(0),
                            le32(data, 4).unwrap_or(0),
                            u32::from(le16(data, 8).unwrap_or(0)),
                            u32::from(le16(data, 10).unwrap_or(0)),
                        ),
                        _ => continue,
                    };
                    if cf > 0xFF || cl < cf {
                        cf = 0;
                    }
                    let (start, end) = if rl >= 1 && cl >= 1 {
                        ((rf, cf), (rl - 1, cl - 1))
                    } else {
                        ((rf, cf), (rf, cf))
                    };
                    let rows = u64::from(end.0.wrapping_sub(start.0).wrapping_add(1));
                    let cols = u64::from(end.1.wrapping_sub(start.1).wrapping_add(1));
                    if end.0 < start.0 || end.1 < start.1 {
                        return Err(ctx.damaged("xls", "a sheet declares impossible dimensions"));
                    }
                    if rows.saturating_mul(cols) > limits.max_dense_cells {
                        return Err(too_dense(rows, cols));
                    }
                }
                // Cell records: row and column first.
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                    if let (Some(row), Some(col)) = (le16(data, 0), le16(data, 2)) {
                        note(u32::from(row), u32::from(col))?;
                    }
                }
                // MULRK: row, first column, ..., last column.
                0x00BD => {
                    let last = data.len().saturating_sub(2);
                    if let (Some(row), Some(first), Some(last)) =
                        (le16(data, 0), le16(data, 2), le16(data, last))
                    {
                        note(u32::from(row), u32::from(first))?;
                        note(u32::from(row), u32::from(last.max(first)))?;
                    }
                }
                _ => {}
            }
        }
        if let Some((r0, r1, c0, c1)) = bbox {
            let rows = u64::from(r1 - r0) + 1;
            let cols = u64::from(c1 - c0) + 1;
            if rows.saturating_mul(cols) > limits.max_dense_cells {
                return Err(too_dense(rows, cols));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::import::sheet::fixtures::{TestResult, XlsCell, cfb_file, xls_stream};
    use crate::import::sheet::{Limits, SheetError, read_table_from_bytes};

    #[test]
    fn xls_extent_is_measured_before_calamine() -> TestResult {
        let far = [
            (0, 0, XlsCell::Text("a")),
            (65_535, 255, XlsCell::Text("z")),
        ];
        let bytes = cfb_file(&xls_stream("S", &far, None));
        let err = read_table_from_bytes(&bytes, Path::new("f.xls"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(
            err.to_string().contains("spans 65536 rows × 256 columns"),
            "{err}"
        );

        let mut dims = Vec::new();
        dims.extend(0u32.to_le_bytes());
        dims.extend(u32::MAX.to_le_bytes());
        dims.extend(0u16.to_le_bytes());
        dims.extend(255u16.to_le_bytes());
        dims.extend(0u16.to_le_bytes());
        let bytes = cfb_file(&xls_stream("S", &[(0, 0, XlsCell::Text("a"))], Some(&dims)));
        let err = read_table_from_bytes(&bytes, Path::new("d.xls"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::Refused { .. }), "{err:?}");

        let wide = [(0, 20_000, XlsCell::Text("far right"))];
        let bytes = cfb_file(&xls_stream("S", &wide, None));
        let err = read_table_from_bytes(&bytes, Path::new("w.xls"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::OutOfBounds { .. }), "{err:?}");
        Ok(())
    }
}
