//! The extent of an ods file's sheets, measured from `content.xml` before calamine expands
//! them densely, and the merged cells of each sheet (calamine does not report them for ods).

use quick_xml::events::BytesStart;

use super::cell::cell_address;
use super::limits::Limits;
use super::sheets::MergedCells;
use super::xml_scan::{XmlProblem, attr_count, attr_text};

/// The extent of the values of the ods sheets, measured with repeats counted, because calamine
/// expands `number-rows-repeated` / `number-columns-repeated` into dense cells.
#[derive(Default)]
pub(super) struct OdsScan {
    sheet: String,
    /// 0-based index of the next row.
    row: u64,
    row_repeat: u64,
    row_has_value: bool,
    col: u64,
    first_value_row: Option<u64>,
    last_value_row: u64,
    width: u64,
    /// Merged cells of every sheet so far: (sheet name, range).
    pub(super) merged: Vec<(String, MergedCells)>,
}

impl OdsScan {
    pub(super) fn start(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
        limits: &Limits,
    ) -> Result<(), XmlProblem> {
        match e.name().as_ref() {
            "table:table" => {
                *self = OdsScan {
                    sheet: attr_text(e, "table:name").unwrap_or_default(),
                    merged: std::mem::take(&mut self.merged),
                    ..OdsScan::default()
                };
                if empty {
                    self.end("table:table", limits)?;
                }
            }
            "table:table-row" => {
                self.row_repeat = attr_count(e, "table:number-rows-repeated");
                self.row_has_value = false;
                self.col = 0;
                if empty {
                    self.end("table:table-row", limits)?;
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let repeat = attr_count(e, "table:number-columns-repeated");
                self.note_merge(e, repeat, limits)?;
                let has_value = !empty || attr_text(e, "office:value-type").is_some();
                if has_value {
                    let end_col = self.col.saturating_add(repeat);
                    let last_row = self.row.saturating_add(self.row_repeat);
                    let max_cols = limits.max_cols as u64;
                    let max_rows = limits.max_rows as u64;
                    if end_col > max_cols || last_row > max_rows {
                        let col = if end_col > max_cols {
                            self.col.max(max_cols)
                        } else {
                            self.col
                        };
                        let row = if last_row > max_rows {
                            self.row.max(max_rows) + 1
                        } else {
                            self.row + 1
                        };
                        return Err(XmlProblem::OdsOutOfBounds(format!(
                            "sheet \"{}\" cell {}",
                            self.sheet,
                            cell_address(row as usize, col as usize)
                        )));
                    }
                    self.width = self.width.max(end_col);
                    self.row_has_value = true;
                }
                self.col = self.col.saturating_add(repeat);
            }
            _ => {}
        }
        Ok(())
    }

    /// Records the cells a `table:table-cell` spans (`number-rows-spanned` ×
    /// `number-columns-spanned`), once for each of its repeats; at most [`Limits::max_cells`]
    /// merged ranges in all.
    fn note_merge(
        &mut self,
        e: &BytesStart<'_>,
        repeat: u64,
        limits: &Limits,
    ) -> Result<(), XmlProblem> {
        let rows = attr_count(e, "table:number-rows-spanned");
        let cols = attr_count(e, "table:number-columns-spanned");
        if rows == 1 && cols == 1 {
            return Ok(());
        }
        for r in 0..self.row_repeat {
            for c in 0..repeat {
                if self.merged.len() >= limits.max_cells {
                    return Err(XmlProblem::TooManyMerges(self.sheet.clone()));
                }
                let first_row = self.row.saturating_add(r);
                let first_col = self.col.saturating_add(c);
                let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
                self.merged.push((
                    self.sheet.clone(),
                    MergedCells {
                        first_row: to_usize(first_row.saturating_add(1)),
                        first_col: to_usize(first_col),
                        last_row: to_usize(first_row.saturating_add(rows)),
                        last_col: to_usize(first_col.saturating_add(cols - 1)),
                    },
                ));
            }
        }
        Ok(())
    }

    pub(super) fn end(&mut self, name: &str, limits: &Limits) -> Result<(), XmlProblem> {
        match name {
            "table:table-row" => {
                if self.row_has_value {
                    self.first_value_row.get_or_insert(self.row);
                    self.last_value_row = self.row.saturating_add(self.row_repeat - 1);
                }
                self.row = self.row.saturating_add(self.row_repeat);
                self.row_has_value = false;
            }
            "table:table" => {
                if let Some(first) = self.first_value_row {
                    let rows = self.last_value_row.saturating_sub(first) + 1;
                    if rows.saturating_mul(self.width) > limits.max_dense_cells {
                        return Err(XmlProblem::OdsTooDense {
                            sheet: self.sheet.clone(),
                            rows,
                            columns: self.width,
                        });
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::import::sheet::fixtures::{TestResult, ods_bytes};
    use crate::import::sheet::{Limits, SheetError, read_table_from_bytes};

    #[test]
    fn ods_repeats_are_measured_before_expansion() -> TestResult {
        // One value repeated over 1,000 rows × 16,000 columns: 16 million cells once expanded.
        let rows = r#"<table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="16000" office:value-type="float" office:value="1"/></table:table-row>"#;
        let bytes = ods_bytes("Big", rows)?;
        let err = read_table_from_bytes(&bytes, Path::new("b.ods"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(
            err.to_string().contains("spans 1000 rows × 16000 columns"),
            "{err}"
        );

        let rows = r#"<table:table-row><table:table-cell table:number-columns-repeated="17000"/><table:table-cell office:value-type="string"><text:p>far right</text:p></table:table-cell></table:table-row>"#;
        let bytes = ods_bytes("Wide", rows)?;
        let err = read_table_from_bytes(&bytes, Path::new("w.ods"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::OutOfBounds { .. }), "{err:?}");
        Ok(())
    }
}
