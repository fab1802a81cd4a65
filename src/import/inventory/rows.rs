//! Data rows → device rows: each mapped cell read into its field or kept as an extra
//! attribute, a row rejected whole when a value does not fit, a missing name derived.

use std::collections::BTreeMap;

use super::mapping::{ColumnMapping, letters_to_index};
use super::values::field_value;
use crate::device::fields::{self, FIELDS, FieldDef};
use crate::import::sheet::{
    CellValue, POSSIBLY_DAMAGED_NOTE, Row, Table, TableFormat, cell_address,
};

/// One device row of the file, ready to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryRow {
    /// The row number (for CSV: the line on which the record starts).
    pub line: usize,
    /// Field values in canonical form, in catalog field order; empty values are left out;
    /// `name` is always present.
    pub values: Vec<(&'static str, String)>,
    /// Columns that map to no field: (header, value), in column order; empty cells left out.
    pub extra: Vec<(String, String)>,
}

/// A row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// The row number (for CSV: the line on which the record starts).
    pub line: usize,
    /// The first offending cell, e.g. `K12` (spreadsheets only; `None` for CSV or when the
    /// whole row is at fault).
    pub cell: Option<String>,
    /// Every problem of the row, naming the column, the field and the value.
    pub reason: String,
}

/// A column as the row reader uses it.
struct Column<'a> {
    index: usize,
    letter: &'a str,
    header: &'a str,
    /// The name of the extra attribute (the header, made unique).
    extra_name: String,
    def: Option<&'static FieldDef>,
    ignored: bool,
}

/// Reads data rows and gathers the warnings they raise.
pub(super) struct RowReader<'a> {
    columns: Vec<Column<'a>>,
    csv: bool,
    date1904: bool,
    /// Per column index: placeholder values seen (distinct, in order) and how many.
    placeholders: BTreeMap<usize, (Vec<String>, usize)>,
    damaged: Vec<String>,
    named: Vec<(usize, &'static str)>,
    dropped_errors: Vec<String>,
}

impl<'a> RowReader<'a> {
    pub(super) fn new(table: &Table, mappings: &'a [ColumnMapping]) -> Self {
        let mut seen: Vec<String> = Vec::new();
        let columns = mappings
            .iter()
            .filter_map(|m| {
                let index = letters_to_index(&m.letter)?;
                let base = if m.header.is_empty() {
                    format!("Column {}", m.letter)
                } else {
                    m.header.clone()
                };
                let extra_name = if seen.iter().any(|s| s.eq_ignore_ascii_case(&base)) {
                    format!("{base} ({})", m.letter)
                } else {
                    base
                };
                seen.push(extra_name.clone());
                Some(Column {
                    index,
                    letter: &m.letter,
                    header: &m.header,
                    extra_name,
                    def: m.field.and_then(fields::field),
                    ignored: m.ignored,
                })
            })
            .collect();
        RowReader {
            columns,
            csv: table.format == TableFormat::Csv,
            date1904: table.date1904,
            placeholders: BTreeMap::new(),
            damaged: Vec::new(),
            named: Vec::new(),
            dropped_errors: Vec::new(),
        }
    }

    fn location(&self, line: usize, col: &Column<'_>) -> String {
        if self.csv {
            format!("line {line}, column {}", col.letter)
        } else {
            cell_address(line, col.index)
        }
    }

    pub(super) fn read(&mut self, row: &Row) -> Result<InventoryRow, RejectedRow> {
        let mut values: Vec<(&'static str, String)> = Vec::new();
        let mut extra = Vec::new();
        let mut problems: Vec<String> = Vec::new();
        let mut first_bad: Option<String> = None;
        for i in 0..self.columns.len() {
            let Some(col) = self.columns.get(i) else {
                continue;
            };
            let cell = row.get(col.index);
            if col.ignored || cell.is_blank() {
                continue;
            }
            if cell.possibly_damaged() {
                let msg = format!(
                    "{}: {} {POSSIBLY_DAMAGED_NOTE}",
                    self.location(row.number, col),
                    cell.to_text()
                );
                self.damaged.push(msg);
            }
            let Some(def) = col.def else {
                if let CellValue::Error(e) = cell {
                    let msg = format!("{} ({e})", self.location(row.number, col));
                    self.dropped_errors.push(msg);
                    continue;
                }
                let text = fields::clean_text(&cell.to_text()).trim().to_string();
                if !text.is_empty() {
                    extra.push((col.extra_name.clone(), text));
                }
                continue;
            };
            let describe = format!("column {} \"{}\" ({})", col.letter, col.header, def.key);
            match field_value(def, cell, self.date1904) {
                Ok(Some(v)) => values.push((def.key, v)),
                Ok(None) => {
                    let entry = self.placeholders.entry(col.index).or_default();
                    let shown = cell.to_text().trim().to_string();
                    if !entry.0.contains(&shown) {
                        entry.0.push(shown);
                    }
                    entry.1 += 1;
                }
                Err(why) => {
                    if first_bad.is_none() && !self.csv {
                        first_bad = Some(cell_address(row.number, col.index));
                    }
                    problems.push(format!("{describe}: {why}"));
                }
            }
        }
        if !problems.is_empty() {
            return Err(RejectedRow {
                line: row.number,
                cell: first_bad,
                reason: problems.join("; "),
            });
        }
        if !values.iter().any(|(k, _)| *k == "name") {
            match derived_name(&values) {
                Some((name, from)) => {
                    self.named.push((row.number, from));
                    values.push(("name", name));
                }
                None => {
                    return Err(RejectedRow {
                        line: row.number,
                        cell: None,
                        reason: "nothing identifies the device: no name, manufacturer, model, host name, asset tag, serial number, IP or MAC address".to_string(),
                    });
                }
            }
        }
        values.sort_by_key(|(k, _)| FIELDS.iter().position(|d| d.key == *k));
        Ok(InventoryRow {
            line: row.number,
            values,
            extra,
        })
    }

    pub(super) fn warnings(&self, format: TableFormat) -> Vec<String> {
        let mut out = Vec::new();
        for (col_index, (values, count)) in &self.placeholders {
            let Some(col) = self.columns.iter().find(|c| c.index == *col_index) else {
                continue;
            };
            let key = col.def.map_or("", |d| d.key);
            let shown: Vec<String> = values.iter().take(5).map(|v| format!("{v:?}")).collect();
            out.push(format!(
                "column {} \"{}\" ({key}): {count} placeholder value{} ({}) read as empty",
                col.letter,
                col.header,
                if *count == 1 { "" } else { "s" },
                shown.join(", ")
            ));
        }
        out.extend(self.damaged.iter().cloned());
        if !self.named.is_empty() {
            let unit = if format == TableFormat::Csv {
                "lines"
            } else {
                "rows"
            };
            let list: Vec<String> = self
                .named
                .iter()
                .take(10)
                .map(|(line, from)| format!("{line} ({from})"))
                .collect();
            let more = if self.named.len() > 10 { ", …" } else { "" };
            out.push(format!(
                "{} device{} had no name and {} named after other fields ({unit} {}{more})",
                self.named.len(),
                if self.named.len() == 1 { "" } else { "s" },
                if self.named.len() == 1 { "was" } else { "were" },
                list.join(", ")
            ));
        }
        if !self.dropped_errors.is_empty() {
            out.push(format!(
                "spreadsheet errors in columns kept as extra attributes were left out: {}",
                self.dropped_errors.join(", ")
            ));
        }
        out
    }
}

/// A name for a row that has none: `manufacturer model`, else host name, asset tag, serial
/// number, IP or MAC address; with the field it came from.
fn derived_name(values: &[(&'static str, String)]) -> Option<(String, &'static str)> {
    let get = |key: &str| {
        values
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let maker_model: Vec<&str> = [get("manufacturer"), get("model")]
        .into_iter()
        .flatten()
        .collect();
    if !maker_model.is_empty() {
        return Some((maker_model.join(" "), "manufacturer and model"));
    }
    for (key, label) in [
        ("hostname", "host name"),
        ("asset_tag", "asset tag"),
        ("serial_number", "serial number"),
        ("ip_addresses", "IP address"),
        ("mac_addresses", "MAC address"),
    ] {
        if let Some(v) = get(key) {
            let first = fields::split_multi(v).next().unwrap_or(v);
            return Some((first.to_string(), label));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::import::inventory::InventoryOptions;
    use crate::import::inventory::tests::{csv, value};
    use crate::import::sheet::fixtures::TestResult;

    #[test]
    fn rows_without_identity_are_rejected() -> TestResult {
        let text = "Name,Manufacturer,Serial,Notes\n,,,just a note\n,,SN-1,\n";
        let inv = csv(text.as_bytes(), &InventoryOptions::default())?;
        let rejected = inv.rejected.first().ok_or("no reject")?;
        assert_eq!(rejected.line, 2);
        assert!(rejected.reason.contains("nothing identifies the device"));
        let row = inv.rows.first().ok_or("no row")?;
        assert_eq!(value(row, "name"), Some("SN-1"));
        Ok(())
    }
}
