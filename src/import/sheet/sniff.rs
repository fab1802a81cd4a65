//! The format is sniffed from the bytes, never from the file name, and a file that is no
//! table is named for what it looks like (a PDF, a Word document, binary data, ...).

use std::fmt;
use std::path::Path;

use super::csv::read_csv;
use super::error::{Ctx, SheetError, guarded};
use super::limits::Limits;
use super::spreadsheet::{read_ods, read_xls, read_xlsx};
use super::table::Table;
use super::zip_limits::{ZipKind, inspect_zip};

pub(super) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
pub(super) const ZIP_EMPTY_MAGIC: &[u8] = b"PK\x05\x06";
pub(super) const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// [`read_table`] on bytes already in memory; `path` only names the source in messages.
///
/// [`read_table`]: super::read_table
pub fn read_table_from_bytes(
    bytes: &[u8],
    path: &Path,
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<Table, SheetError> {
    if bytes.is_empty() {
        return Err(SheetError::Empty {
            path: path.to_path_buf(),
        });
    }
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(SheetError::too_large(path, limits));
    }
    let ctx = Ctx { path, limits };
    if bytes.starts_with(ZIP_MAGIC) {
        let kind = guarded(&ctx, "a zip-based spreadsheet (xlsx or ods)", || {
            inspect_zip(bytes, &ctx)
        })?
        .kind;
        guarded(&ctx, kind.name(), || match kind {
            ZipKind::Xlsx => read_xlsx(bytes, &ctx, sheet),
            ZipKind::Ods => read_ods(bytes, &ctx, sheet),
        })
    } else if bytes.starts_with(ZIP_EMPTY_MAGIC) {
        Err(ctx.not_a_table("an empty zip archive"))
    } else if bytes.starts_with(OLE2_MAGIC) {
        guarded(&ctx, "xls", || read_xls(bytes, &ctx, sheet))
    } else {
        read_csv(bytes, &ctx)
    }
}

/// A clearer message for OLE2 files that are not xls workbooks.
pub(super) fn explain_ole2(bytes: &[u8], ctx: &Ctx<'_>, e: impl fmt::Display) -> SheetError {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let holds = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if holds(&utf16("EncryptedPackage")) {
        ctx.refused(
            "it is a password-protected workbook; remove the password in the spreadsheet program and save it again",
        )
    } else if holds(&utf16("WordDocument")) {
        ctx.not_a_table("a Word document")
    } else {
        ctx.damaged("xls", e)
    }
}

/// Says what the bytes look like when they are not delimited text.
pub(super) fn binary_kind(bytes: &[u8], text: &str) -> Option<String> {
    let known: &[(&[u8], &str)] = &[
        (b"%PDF", "a PDF document"),
        (b"\x1F\x8B", "a gzip archive"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"Rar!", "a RAR archive"),
        (b"7z\xBC\xAF", "a 7-Zip archive"),
        (
            b"SQLite format 3\0",
            "an SQLite database (a medsec workbook is opened with `medsec open`)",
        ),
    ];
    if let Some((_, what)) = known.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Some((*what).to_string());
    }
    let mut controls = 0usize;
    let mut total = 0usize;
    for c in text.chars().take(1 << 20) {
        total += 1;
        if c == '\0' {
            return Some("binary data".to_string());
        }
        let c0 = c < ' ' && !matches!(c, '\t' | '\n' | '\r' | '\x0c' | '\x1a');
        let c1 = ('\u{80}'..='\u{9f}').contains(&c);
        if c0 || c1 || c == '\u{fffd}' {
            controls += 1;
        }
    }
    if controls >= 4 && controls * 100 > total {
        return Some("binary data".to_string());
    }
    let start = text.trim_start();
    if start.starts_with('<') {
        return Some(
            "an HTML or XML document; some programs save web pages with a spreadsheet name"
                .to_string(),
        );
    }
    if start.starts_with('{') {
        return Some("a JSON document".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::sheet::fixtures::{TestResult, csv_table, write_temp};
    use crate::import::sheet::read_table;

    #[test]
    fn garbage_and_empty_files_are_refused() -> TestResult {
        let empty = write_temp(b"", ".csv")?;
        let err = read_table(empty.path(), None)
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::Empty { .. }), "{err:?}");
        assert!(err.to_string().contains("is empty"));

        // A deterministic pseudo-random byte soup.
        let mut state: u32 = 0x1234_5678;
        let garbage: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        let file = write_temp(&garbage, ".xlsx")?;
        let err = read_table(file.path(), None)
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::NotATable { .. }), "{err:?}");
        assert!(err.to_string().contains("binary data"), "{err}");

        let mut ole = OLE2_MAGIC.to_vec();
        ole.extend_from_slice(&garbage);
        let err = read_table_from_bytes(&ole, Path::new("o.xls"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(
            matches!(err, SheetError::Damaged { format: "xls", .. }),
            "{err:?}"
        );

        let html = b"<html><body><table><tr><td>Name</td></tr></table></body></html>";
        let err = csv_table(html).err().ok_or("expected an error")?;
        assert!(err.to_string().contains("HTML"), "{err}");

        let err = csv_table(b"%PDF-1.7\n...")
            .err()
            .ok_or("expected an error")?;
        assert!(err.to_string().contains("PDF"), "{err}");
        Ok(())
    }
}
