//! The header row: given, or found among the first rows as the one naming the most known
//! columns; and data rows that repeat it.

use std::path::Path;

use super::InventoryOptions;
use super::error::InventoryError;
use super::recognise::{normalize_header, recognise};
use crate::import::sheet::{CellValue, Row, Table};

/// How many rows (rows holding a value) are searched for the header row.
pub const HEADER_SCAN_ROWS: usize = 50;

/// True for a data row that repeats the header (page headers of a printed export, files pasted
/// together): at least two cells, each equal to the header above it.
pub(super) fn repeats_header(row: &Row, header: &Row) -> bool {
    let cells: Vec<_> = row.cells.iter().filter(|c| !c.value.is_blank()).collect();
    cells.len() >= 2
        && cells.iter().all(|c| {
            normalize_header(&c.value.to_text()) == normalize_header(&header.get(c.col).to_text())
        })
}

/// Header text for display and extra-attribute names: trimmed, inner whitespace collapsed.
pub(super) fn clean_header(value: &CellValue) -> String {
    value
        .to_text()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn find_header<'t>(
    table: &'t Table,
    path: &Path,
    opts: &InventoryOptions,
    aliases: &[(String, &'static str)],
) -> Result<&'t Row, InventoryError> {
    let nearby = || {
        table
            .rows
            .iter()
            .take(10)
            .map(|r| r.number.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(n) = opts.header_row {
        return table
            .rows
            .iter()
            .find(|r| r.number == n && !r.is_blank())
            .ok_or_else(|| InventoryError::EmptyHeaderRow {
                path: path.to_path_buf(),
                row: n,
                nearby: nearby(),
            });
    }
    if looks_like_mds2(table) {
        return Err(InventoryError::LooksLikeMds2 {
            path: path.to_path_buf(),
        });
    }
    let mapped: Vec<String> = opts.map.iter().map(|(c, _)| normalize_header(c)).collect();
    let mut best: Option<(&Row, usize)> = None;
    for row in table.rows.iter().take(HEADER_SCAN_ROWS) {
        let texts = row
            .cells
            .iter()
            .filter(|c| matches!(&c.value, CellValue::Text(t) if !t.trim().is_empty()))
            .count();
        if texts < 2 {
            continue;
        }
        let mut found: Vec<&'static str> = Vec::new();
        let mut score = 0usize;
        for cell in &row.cells {
            let norm = normalize_header(&cell.value.to_text());
            if mapped.contains(&norm) {
                score += 1;
            } else if let Some(r) = recognise(aliases, &norm)
                && !found.contains(&r.key())
            {
                found.push(r.key());
                score += 1;
            }
        }
        // One recognised column is not an inventory (a risk template, a glossary): ask for two,
        // unless the user named the columns with --map.
        let enough = if mapped.is_empty() { 2 } else { 1 };
        if score >= enough && best.is_none_or(|(_, s)| score > s) {
            best = Some((row, score));
        }
    }
    best.map(|(row, _)| row)
        .ok_or_else(|| InventoryError::NoHeaderRow {
            path: path.to_path_buf(),
            scanned: table.rows.len().min(HEADER_SCAN_ROWS),
        })
}

/// The section codes of MDS2 (HN 1-2019) question IDs, with the `SHAD` typo seen in NEMA's
/// own example (MDS2.md).
const MDS2_SECTIONS: &[&str] = &[
    "DOC", "MPII", "ALOF", "AUDT", "AUTH", "CSUP", "DIDT", "DTBK", "EMRG", "IGAU", "MLDP", "NAUT",
    "CONN", "PAUT", "PLOK", "RDMP", "SBOM", "SAHD", "SHAD", "SGUD", "STCF", "TXCF", "TXIG", "RMOT",
];

/// True when the first column holds MDS2 question IDs (`DOC-1`, `MPII-2.1`, …) of at least five
/// sections among the first 400 rows: a manufacturer disclosure form, not an inventory (a
/// column of `DEV-0001` IDs is not).
fn looks_like_mds2(table: &Table) -> bool {
    let section = |t: &str| -> Option<&'static str> {
        let (prefix, rest) = t.trim().split_once('-')?;
        let numbered = rest
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
        MDS2_SECTIONS
            .iter()
            .copied()
            .find(|s| *s == prefix)
            .filter(|_| numbered)
    };
    let mut seen: Vec<&'static str> = table
        .rows
        .iter()
        .take(400)
        .filter_map(|r| r.cells.first().and_then(|c| section(&c.value.to_text())))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len() >= 5
}

#[cfg(test)]
mod tests {
    use crate::import::inventory::InventoryOptions;
    use crate::import::inventory::tests::{csv, value};
    use crate::import::sheet::fixtures::TestResult;

    #[test]
    fn csv_quoted_fields_and_title_rows() -> TestResult {
        let text = "Hospital inventory 2024\nExported by CMMS\n\nAsset #;Description;Make;Model;Notes\n\"A-1\";\"Pump; large\";Baxter;Sigma;\"line one\nline two\"\n\"A-2\";Monitor;Philips;MX450;\"said \"\"ok\"\"\"\n";
        let inv = csv(text.as_bytes(), &InventoryOptions::default())?;
        assert_eq!(inv.header_row, 4);
        assert_eq!(inv.rows.len(), 2);
        let first = inv.rows.first().ok_or("no row")?;
        assert_eq!(first.line, 5);
        assert_eq!(value(first, "asset_tag"), Some("A-1"));
        assert_eq!(value(first, "name"), Some("Pump; large"));
        assert_eq!(value(first, "notes"), Some("line one\nline two"));
        let second = inv.rows.get(1).ok_or("no row")?;
        assert_eq!(second.line, 7);
        assert_eq!(value(second, "notes"), Some("said \"ok\""));
        Ok(())
    }

    #[test]
    fn repeated_header_rows_are_skipped() -> TestResult {
        let text = "Name,Serial\nPump,1\nName,Serial\nMonitor,2\n";
        let inv = csv(text.as_bytes(), &InventoryOptions::default())?;
        assert_eq!(inv.rows.len(), 2);
        assert!(
            inv.warnings
                .iter()
                .any(|w| w == "1 row repeats the header row and was skipped: 3"),
            "{:?}",
            inv.warnings
        );
        Ok(())
    }
}
