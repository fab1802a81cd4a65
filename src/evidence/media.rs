//! The media type of an evidence file: sniffed from its first bytes for the types assessors
//! attach (photos of settings screens, PDFs, configuration exports, office documents), else
//! taken from the name's extension, else `application/octet-stream`.
//!
//! The bytes win over the name: a PDF renamed `photo.png` is `application/pdf`. Text (UTF-8,
//! no control characters other than tab, line breaks and form feed) is told apart by its first
//! character (`<?xml`, a JSON value that parses) and then by extension (`.csv`), else it is
//! `text/plain`. Word, Excel and PowerPoint files are zips; they are told from a plain zip by
//! the part names in the zip's central directory (`word/`, `xl/`, `ppt/`).

use std::io::Cursor;

/// The fallback when neither the bytes nor the name say what a file is.
pub const OCTET_STREAM: &str = "application/octet-stream";

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";

/// Magic numbers at the start of a file: (offset, bytes, media type).
const MAGIC: &[(usize, &[u8], &str)] = &[
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (
        0,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "application/x-ole-storage",
    ),
    (0, b"\xd4\xc3\xb2\xa1", "application/vnd.tcpdump.pcap"),
    (0, b"\xa1\xb2\xc3\xd4", "application/vnd.tcpdump.pcap"),
    (0, b"\x0a\x0d\x0d\x0a", "application/vnd.tcpdump.pcap"),
    (0, b"\x1f\x8b", "application/gzip"),
    (0, b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
];

/// Extensions (lower case, without the dot) and their media types, for files the bytes do not
/// identify.
const EXTENSIONS: &[(&str, &str)] = &[
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("heic", "image/heic"),
    ("heif", "image/heif"),
    ("tif", "image/tiff"),
    ("tiff", "image/tiff"),
    ("webp", "image/webp"),
    ("bmp", "image/bmp"),
    ("pdf", "application/pdf"),
    ("zip", "application/zip"),
    ("txt", "text/plain"),
    ("log", "text/plain"),
    ("md", "text/markdown"),
    ("csv", "text/csv"),
    ("json", "application/json"),
    ("xml", "application/xml"),
    ("html", "text/html"),
    ("htm", "text/html"),
    ("docx", DOCX),
    ("xlsx", XLSX),
    ("pptx", PPTX),
    ("doc", "application/msword"),
    ("xls", "application/vnd.ms-excel"),
    ("ppt", "application/vnd.ms-powerpoint"),
    ("msg", "application/vnd.ms-outlook"),
    ("eml", "message/rfc822"),
    ("pcap", "application/vnd.tcpdump.pcap"),
    ("pcapng", "application/vnd.tcpdump.pcap"),
    ("mp4", "video/mp4"),
    ("mov", "video/quicktime"),
];

/// The media type of a file with these bytes and this name (see the module documentation).
pub fn media_type(bytes: &[u8], file_name: &str) -> &'static str {
    let extension = extension(file_name);
    if let Some(t) = sniff(bytes) {
        // An OLE2 container is a .doc, .xls, .ppt or .msg: its name says which.
        if t == "application/x-ole-storage"
            && let Some(e) = by_extension(&extension)
        {
            return e;
        }
        return t;
    }
    if let Some(t) = text_type(bytes, &extension) {
        return t;
    }
    by_extension(&extension).unwrap_or(OCTET_STREAM)
}

/// What the first bytes say, if anything (text excluded).
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    for (offset, magic, t) in MAGIC {
        if bytes.get(*offset..offset + magic.len()) == Some(*magic) {
            return Some(t);
        }
    }
    // RIFF....WEBP
    if bytes.get(..4) == Some(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Some("image/webp");
    }
    // ISO base media files: size, `ftyp`, major brand (HEIC / HEIF photos from phones, video).
    if bytes.get(4..8) == Some(b"ftyp") {
        return match bytes.get(8..12) {
            Some(b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis") => Some("image/heic"),
            Some(b"mif1" | b"msf1") => Some("image/heif"),
            Some(b"qt  ") => Some("video/quicktime"),
            Some(_) => Some("video/mp4"),
            None => None,
        };
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Some(zip_type(bytes));
    }
    None
}

/// A zip, or the Office document it is (by the part names in its central directory).
fn zip_type(bytes: &[u8]) -> &'static str {
    let Ok(zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return "application/zip";
    };
    let has = |prefix: &str| zip.file_names().any(|n| n.starts_with(prefix));
    if has("word/") {
        DOCX
    } else if has("xl/") {
        XLSX
    } else if has("ppt/") {
        PPTX
    } else {
        "application/zip"
    }
}

/// Whether the bytes are text: UTF-8 (a BOM allowed) without control characters other than
/// tab, line feed, carriage return and form feed.
fn is_text(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => !s
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c')),
        Err(_) => false,
    }
}

/// The type of a text file: XML by its declaration, JSON when it parses as an object or array,
/// CSV, Markdown or HTML by extension, else plain text. `None` when the bytes are not text (or
/// empty).
fn text_type(bytes: &[u8], extension: &str) -> Option<&'static str> {
    if bytes.is_empty() || !is_text(bytes) {
        return None;
    }
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&body[..0], |i| &body[i..]);
    if start.starts_with(b"<?xml") {
        return Some("application/xml");
    }
    if matches!(start.first(), Some(b'{' | b'['))
        && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
    {
        return Some("application/json");
    }
    match extension {
        "csv" => Some("text/csv"),
        "md" => Some("text/markdown"),
        "html" | "htm" => Some("text/html"),
        "xml" if start.starts_with(b"<") => Some("application/xml"),
        _ => Some("text/plain"),
    }
}

fn extension(file_name: &str) -> String {
    match file_name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

fn by_extension(extension: &str) -> Option<&'static str> {
    EXTENSIONS
        .iter()
        .find(|(e, _)| *e == extension)
        .map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_with(names: &[&str]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut out);
            for n in names {
                z.start_file(*n, zip::write::SimpleFileOptions::default())
                    .unwrap_or_else(|e| panic!("{e}"));
                z.write_all(b"x").unwrap_or_else(|e| panic!("{e}"));
            }
            z.finish().unwrap_or_else(|e| panic!("{e}"));
        }
        out.into_inner()
    }

    #[test]
    fn common_evidence_types_are_sniffed_from_their_bytes() {
        let cases: &[(&[u8], &str, &str)] = &[
            (
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
                "settings.png",
                "image/png",
            ),
            (b"\xff\xd8\xff\xe0\0\x10JFIF", "IMG_0001.JPG", "image/jpeg"),
            (b"GIF89a\x01\0", "a.gif", "image/gif"),
            (b"\0\0\0\x18ftypheic\0\0\0\0", "IMG_0002.HEIC", "image/heic"),
            (b"\0\0\0\x18ftypmif1\0\0\0\0", "x.heif", "image/heif"),
            (b"%PDF-1.7\n", "letter.pdf", "application/pdf"),
            // The bytes win over a wrong name.
            (b"%PDF-1.4\n", "photo.png", "application/pdf"),
            (b"RIFF\0\0\0\0WEBPVP8 ", "x.webp", "image/webp"),
        ];
        for (bytes, name, want) in cases {
            assert_eq!(media_type(bytes, name), *want, "{name}");
        }
    }

    #[test]
    fn office_files_are_told_from_plain_zips() {
        assert_eq!(
            media_type(
                &zip_with(&["[Content_Types].xml", "word/document.xml"]),
                "a.bin"
            ),
            DOCX
        );
        assert_eq!(
            media_type(&zip_with(&["xl/workbook.xml"]), "export.xlsx"),
            XLSX
        );
        assert_eq!(
            media_type(&zip_with(&["config/backup.cfg"]), "backup.docx"),
            "application/zip"
        );
        // Damaged: still a zip by its magic.
        assert_eq!(media_type(b"PK\x03\x04garbage", "x"), "application/zip");
    }

    #[test]
    fn text_is_told_by_content_then_extension() {
        assert_eq!(
            media_type(b"<?xml version=\"1.0\"?><a/>", "scan.txt"),
            "application/xml"
        );
        assert_eq!(
            media_type(b"\xef\xbb\xbf {\"a\": [1, 2]}\n", "x.txt"),
            "application/json"
        );
        // Not valid JSON: plain text (by its .txt name) rather than a wrong claim.
        assert_eq!(media_type(b"{not json", "x.txt"), "text/plain");
        assert_eq!(
            media_type("host;ip\nPump;10.0.0.1\n".as_bytes(), "inventory.CSV"),
            "text/csv"
        );
        assert_eq!(
            media_type("Notes – Dräger 東芝\r\n".as_bytes(), "n"),
            "text/plain"
        );
        // Control characters: not text.
        assert_eq!(media_type(b"abc\x00def", "dump"), OCTET_STREAM);
    }

    #[test]
    fn unknown_bytes_fall_back_to_the_extension_then_octet_stream() {
        assert_eq!(
            media_type(b"\x00\x01\x02", "capture.pcapng"),
            "application/vnd.tcpdump.pcap"
        );
        assert_eq!(media_type(b"\x00\x01\x02", "photo.HEIC"), "image/heic");
        assert_eq!(media_type(b"\x00\x01\x02", "firmware.bin"), OCTET_STREAM);
        assert_eq!(media_type(b"\x00\x01\x02", ".hidden"), OCTET_STREAM);
        assert_eq!(media_type(b"", "empty.csv"), "text/csv");
        // An OLE2 container is named by its extension.
        let ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0";
        assert_eq!(media_type(ole, "old.xls"), "application/vnd.ms-excel");
        assert_eq!(media_type(ole, "mail.msg"), "application/vnd.ms-outlook");
        assert_eq!(media_type(ole, "thing"), "application/x-ole-storage");
    }
}
