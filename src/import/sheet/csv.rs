//! Delimited text: the encoding (BOM, UTF-8, else Windows-1252) and the delimiter (`,` `;` tab
//! or `|`) are detected, and records are read without type guessing.

use std::collections::BTreeMap;

use super::cell::CellValue;
use super::error::{Ctx, SheetError};
use super::sniff::binary_kind;
use super::table::{RowsBuilder, Table, TableFormat};

/// The text encoding a CSV file was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 without a byte order mark.
    Utf8,
    /// UTF-8 with a byte order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-16 little-endian with a byte order mark (Excel's "Unicode text").
    Utf16Le,
    /// UTF-16 big-endian with a byte order mark.
    Utf16Be,
    /// Windows-1252, assumed when the bytes are not valid UTF-8 (Excel's "CSV" on Windows).
    Windows1252,
}

impl TextEncoding {
    /// The encoding's usual name.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 with BOM",
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf16Be => "UTF-16BE",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }
}

/// How a CSV file was read: its encoding and delimiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvDialect {
    /// The encoding the bytes were decoded from.
    pub encoding: TextEncoding,
    /// The field delimiter: `,`, `;`, tab or `|`.
    pub delimiter: u8,
}

pub(super) fn read_csv(bytes: &[u8], ctx: &Ctx<'_>) -> Result<Table, SheetError> {
    let (text, encoding) = decode_text(bytes);
    if let Some(what) = binary_kind(bytes, &text) {
        return Err(ctx.not_a_table(what));
    }
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut builder = RowsBuilder::new(ctx, true);
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::new(&text);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(ctx.damaged("CSV", e)),
        }
        // The csv crate's own line number can point at a skipped blank line (or at the `\n` of
        // a CRLF), so the line is counted from the record's byte offset instead.
        let offset = record.position().map_or(0, |p| p.byte()) as usize;
        let line = lines.line_at(offset);
        for (col, field) in record.iter().enumerate() {
            if !field.is_empty() {
                builder.push(line, col, CellValue::Text(field.to_string()))?;
            }
        }
    }
    Ok(Table {
        format: TableFormat::Csv,
        sheet: None,
        sheets: Vec::new(),
        csv: Some(CsvDialect {
            encoding,
            delimiter,
        }),
        date1904: false,
        rows: builder.finish(),
    })
}

/// Turns byte offsets of record starts (in increasing order) into 1-based line numbers,
/// skipping the line breaks of blank lines the offset may point at.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, offset: usize) -> usize {
        let mut start = offset.max(self.pos);
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let passed = self.bytes.get(self.pos..start).unwrap_or_default();
        // A lone CR (classic Mac) ends a line too; CRLF counts once.
        let mut prev = 0u8;
        for &b in passed {
            if b == b'\n' && prev != b'\r' || b == b'\r' {
                self.line += 1;
            }
            prev = b;
        }
        self.pos = start;
        self.line
    }
}

/// Decodes text: a BOM decides; else valid UTF-8; else Windows-1252.
fn decode_text(bytes: &[u8]) -> (String, TextEncoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (
            String::from_utf8_lossy(rest).into_owned(),
            TextEncoding::Utf8Bom,
        );
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        let (text, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(rest);
        return (text.into_owned(), TextEncoding::Utf16Le);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        let (text, _) = encoding_rs::UTF_16BE.decode_without_bom_handling(rest);
        return (text.into_owned(), TextEncoding::Utf16Be);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), TextEncoding::Utf8),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), TextEncoding::Windows1252)
        }
    }
}

/// Picks the delimiter whose field count is most consistent over the first records (quotes
/// respected): the count shared by most records with at least two fields wins, ties going to
/// the larger count. Defaults to `,`.
fn detect_delimiter(text: &str) -> u8 {
    let mut end = text.len().min(64 * 1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let sample = text.get(..end).unwrap_or(text);
    let mut best = (b',', 0usize, 0usize);
    for delimiter in [b',', b';', b'\t', b'|'] {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(sample.as_bytes());
        let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
        for record in reader.records().take(50) {
            let Ok(record) = record else { break };
            if record.len() >= 2 {
                *counts.entry(record.len()).or_default() += 1;
            }
        }
        if let Some((&fields, &records)) = counts.iter().max_by_key(|(f, n)| (**n, **f))
            && (records, fields) > (best.1, best.2)
        {
            best = (delimiter, records, fields);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::sheet::fixtures::{TestResult, csv_table, texts};

    #[test]
    fn csv_encodings_are_detected() -> TestResult {
        let utf8 = "Name,Manufacturer\nEvita,Dräger\n".as_bytes();
        let table = csv_table(utf8)?;
        assert_eq!(
            table.csv,
            Some(CsvDialect {
                encoding: TextEncoding::Utf8,
                delimiter: b','
            })
        );
        assert_eq!(
            table.rows.get(1).map(texts),
            Some(vec!["Evita".into(), "Dräger".into()])
        );

        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(utf8);
        let table = csv_table(&bom)?;
        assert_eq!(table.csv.map(|c| c.encoding), Some(TextEncoding::Utf8Bom));
        assert_eq!(
            table.rows.first().map(|r| r.get(0).to_text()).as_deref(),
            Some("Name")
        );

        let cp1252 = b"Name;Manufacturer\nEvita;Dr\xE4ger\n";
        let table = csv_table(cp1252)?;
        assert_eq!(
            table.csv,
            Some(CsvDialect {
                encoding: TextEncoding::Windows1252,
                delimiter: b';'
            })
        );
        assert_eq!(
            table.rows.get(1).map(|r| r.get(1).to_text()).as_deref(),
            Some("Dräger")
        );

        let mut utf16 = b"\xFF\xFE".to_vec();
        for unit in "Name\tManufacturer\r\nEvita\tDräger\r\n".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let table = csv_table(&utf16)?;
        assert_eq!(
            table.csv,
            Some(CsvDialect {
                encoding: TextEncoding::Utf16Le,
                delimiter: b'\t'
            })
        );
        assert_eq!(
            table.rows.get(1).map(|r| r.get(1).to_text()).as_deref(),
            Some("Dräger")
        );
        Ok(())
    }

    #[test]
    fn csv_quotes_and_line_numbers() -> TestResult {
        let text = "Inventory 2024\n\nName;Notes;Serial\n\"Pump; large\";\"two\nlines\";0000189\nMonitor;\"say \"\"hi\"\"\";42\n";
        let table = csv_table(text.as_bytes())?;
        assert_eq!(table.csv.map(|c| c.delimiter), Some(b';'));
        let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 3, 4, 6]);
        let row = table.rows.get(2).ok_or("row")?;
        assert_eq!(texts(row), ["Pump; large", "two\nlines", "0000189"]);
        let row = table.rows.get(3).ok_or("row")?;
        assert_eq!(row.get(1).to_text(), "say \"hi\"");

        let commas = "Name,Notes\n\"Pump, large\",\"a;b;c\"\nMonitor,x\n";
        let table = csv_table(commas.as_bytes())?;
        assert_eq!(table.csv.map(|c| c.delimiter), Some(b','));
        assert_eq!(
            table.rows.get(1).map(|r| r.get(0).to_text()).as_deref(),
            Some("Pump, large")
        );
        Ok(())
    }

    #[test]
    fn csv_cell_too_long_is_named() -> TestResult {
        let text = format!("Name,Notes\nPump,{}\n", "x".repeat(40_000));
        let err = csv_table(text.as_bytes())
            .err()
            .ok_or("expected an error")?;
        let msg = err.to_string();
        assert!(
            msg.contains("line 2, column 2 (B) holds 40000 characters"),
            "{msg}"
        );
        Ok(())
    }
}
