//! Test fixtures shared by the sheet tests and the importers built on them: temporary files,
//! hand-made xlsx, ods and xls files, and a zip rewriter.

use std::io::{self, Cursor, Read, Write};
use std::path::Path;

use super::sniff::OLE2_MAGIC;
use super::zip_limits::ODS_MIMETYPE;
use super::{Limits, Row, SheetError, Table, read_table_from_bytes};

/// What a test returns: any error fails it.
pub(crate) type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The inventory of the corpus (`../shared/corpus/assets`), an xlsx file with mixed types.
pub(crate) const CORPUS_XLSX: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/corpus/assets/udea-lime-F-147-inventario-equipos-biomedicos-redacted.xlsx"
);

/// Writes `bytes` to a temporary file whose name ends in `suffix`.
pub(crate) fn write_temp(bytes: &[u8], suffix: &str) -> Result<tempfile::NamedTempFile, io::Error> {
    let mut file = tempfile::Builder::new().suffix(suffix).tempfile()?;
    file.write_all(bytes)?;
    file.flush()?;
    Ok(file)
}

/// Reads `bytes` as a table named `test.csv` with the default limits.
pub(crate) fn csv_table(bytes: &[u8]) -> Result<Table, SheetError> {
    read_table_from_bytes(bytes, Path::new("test.csv"), None, &Limits::default())
}

/// The canonical text of every cell of a row, up to its width.
pub(crate) fn texts(row: &Row) -> Vec<String> {
    (0..row.width()).map(|c| row.get(c).to_text()).collect()
}

/// Rewrites a zip, letting `edit` change (or drop, with `None`) each member, then appends
/// `extra` members.
pub(crate) fn rewrite_zip(
    bytes: &[u8],
    edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>,
    extra: &[(&str, &[u8])],
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut member = archive.by_index(i)?;
        let name = member.name().to_string();
        let mut data = Vec::new();
        member.read_to_end(&mut data)?;
        if let Some(data) = edit(&name, data) {
            out.start_file(name, options)?;
            out.write_all(&data)?;
        }
    }
    for (name, data) in extra {
        out.start_file(*name, options)?;
        out.write_all(data)?;
    }
    Ok(out.finish()?.into_inner())
}

/// An xlsx file with one sheet `Devices`, filled by `build`.
pub(crate) fn xlsx_bytes(
    build: impl FnOnce(&mut rust_xlsxwriter::Worksheet) -> Result<(), rust_xlsxwriter::XlsxError>,
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Devices")?;
    build(sheet)?;
    Ok(workbook.save_to_buffer()?)
}

/// A minimal ods file: `rows` is the body of one `table:table`.
pub(crate) fn ods_bytes(sheet: &str, rows: &str) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="{sheet}">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    out.start_file("mimetype", stored)?;
    out.write_all(ODS_MIMETYPE.as_bytes())?;
    out.start_file("META-INF/manifest.xml", deflated)?;
    out.write_all(manifest.as_bytes())?;
    out.start_file("content.xml", deflated)?;
    out.write_all(content.as_bytes())?;
    Ok(out.finish()?.into_inner())
}

/// One cell of a hand-made xls fixture.
pub(crate) enum XlsCell<'a> {
    Text(&'a str),
    /// A number and its XF index (0 general, 1 a date format).
    Number(f64, u16),
    Bool(bool),
}

fn biff(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = typ.to_le_bytes().to_vec();
    out.extend((data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// A BIFF8 workbook stream with one sheet, optionally with a raw DIMENSIONS record.
pub(crate) fn xls_stream(
    sheet: &str,
    cells: &[(u16, u16, XlsCell<'_>)],
    dims: Option<&[u8]>,
) -> Vec<u8> {
    let bof = |dt: u16| {
        let mut d = 0x0600u16.to_le_bytes().to_vec();
        d.extend(dt.to_le_bytes());
        d.extend([0u8; 12]);
        biff(0x0809, &d)
    };
    let mut globals = bof(0x0005);
    for ifmt in [0u16, 14] {
        let mut d = vec![0u8; 20];
        d[2..4].copy_from_slice(&ifmt.to_le_bytes());
        globals.extend(biff(0x00E0, &d));
    }
    let pos_at = globals.len() + 4;
    let mut bound = vec![0u8; 6];
    bound.push(sheet.encode_utf16().count() as u8);
    bound.push(1);
    bound.extend(sheet.encode_utf16().flat_map(u16::to_le_bytes));
    globals.extend(biff(0x0085, &bound));
    globals.extend(biff(0x000A, &[]));
    let pos = globals.len() as u32;
    globals[pos_at..pos_at + 4].copy_from_slice(&pos.to_le_bytes());
    let mut body = bof(0x0010);
    if let Some(dims) = dims {
        body.extend(biff(0x0200, dims));
    }
    for (row, col, value) in cells {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        match value {
            XlsCell::Text(text) => {
                d.extend(0u16.to_le_bytes());
                d.extend((text.encode_utf16().count() as u16).to_le_bytes());
                d.push(1);
                d.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                body.extend(biff(0x0204, &d));
            }
            XlsCell::Number(value, xf) => {
                d.extend(xf.to_le_bytes());
                d.extend(value.to_le_bytes());
                body.extend(biff(0x0203, &d));
            }
            XlsCell::Bool(value) => {
                d.extend(0u16.to_le_bytes());
                d.push(u8::from(*value));
                d.push(0);
                body.extend(biff(0x0205, &d));
            }
        }
    }
    body.extend(biff(0x000A, &[]));
    globals.extend(body);
    globals
}

fn fat_chain(fat: &mut Vec<u32>, sectors: usize) -> u32 {
    let first = fat.len() as u32;
    for i in 0..sectors {
        let next = if i + 1 == sectors {
            0xFFFF_FFFE
        } else {
            first + i as u32 + 1
        };
        fat.push(next);
    }
    first
}

fn padded(mut data: Vec<u8>, to: usize) -> Vec<u8> {
    let len = data.len().div_ceil(to).max(1) * to;
    data.resize(len, 0);
    data
}

/// A compound file (512-byte sectors, one FAT sector) holding `stream` as `Workbook`;
/// streams under 4096 bytes go to the mini stream, as Excel does.
pub(crate) fn cfb_file(stream: &[u8]) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let mut fat: Vec<u32> = vec![0xFFFF_FFFD, END];
    let mut body = Vec::new();
    let (root_start, root_len, stream_start, mini_fat_start, mini_fat_sectors);
    if stream.len() < 4096 {
        let mini = padded(stream.to_vec(), 64);
        let count = mini.len() / 64;
        let mini_fat: Vec<u8> = (0..128usize)
            .map(|i| match i {
                i if i + 1 < count => i as u32 + 1,
                i if i + 1 == count => END,
                _ => FREE,
            })
            .flat_map(u32::to_le_bytes)
            .collect();
        mini_fat_start = fat_chain(&mut fat, 1);
        mini_fat_sectors = 1u32;
        body.extend(mini_fat);
        root_len = mini.len() as u32;
        let mini = padded(mini, 512);
        root_start = fat_chain(&mut fat, mini.len() / 512);
        body.extend(mini);
        stream_start = 0;
    } else {
        let data = padded(stream.to_vec(), 512);
        stream_start = fat_chain(&mut fat, data.len() / 512);
        body.extend(data);
        root_start = END;
        root_len = 0;
        mini_fat_start = END;
        mini_fat_sectors = 0;
    }
    let entry = |name: &str, typ: u8, start: u32, size: u32, child: u32| {
        let mut e = vec![0u8; 128];
        let units: Vec<u8> = name
            .encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect();
        e[..units.len()].copy_from_slice(&units);
        e[64..66].copy_from_slice(&(units.len() as u16).to_le_bytes());
        e[66] = typ;
        e[67] = 1;
        e[68..72].copy_from_slice(&FREE.to_le_bytes());
        e[72..76].copy_from_slice(&FREE.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    let mut dir = entry("Root Entry", 5, root_start, root_len, 1);
    dir.extend(entry(
        "Workbook",
        2,
        stream_start,
        stream.len() as u32,
        FREE,
    ));
    dir.extend(entry("", 0, END, 0, FREE));
    dir.extend(entry("", 0, END, 0, FREE));
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(OLE2_MAGIC);
    header[24..26].copy_from_slice(&0x003Eu16.to_le_bytes());
    header[26..28].copy_from_slice(&3u16.to_le_bytes());
    header[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    header[30..32].copy_from_slice(&9u16.to_le_bytes());
    header[32..34].copy_from_slice(&6u16.to_le_bytes());
    header[44..48].copy_from_slice(&1u32.to_le_bytes());
    header[48..52].copy_from_slice(&1u32.to_le_bytes());
    header[56..60].copy_from_slice(&4096u32.to_le_bytes());
    header[60..64].copy_from_slice(&mini_fat_start.to_le_bytes());
    header[64..68].copy_from_slice(&mini_fat_sectors.to_le_bytes());
    header[68..72].copy_from_slice(&END.to_le_bytes());
    for i in 0..109 {
        let id: u32 = if i == 0 { 0 } else { FREE };
        header[76 + 4 * i..80 + 4 * i].copy_from_slice(&id.to_le_bytes());
    }
    fat.resize(128, FREE);
    let mut file = header;
    file.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    file.extend(dir);
    file.extend(body);
    file
}
