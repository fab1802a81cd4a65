//! Zip-based formats (xlsx, ods): the central directory and every member are checked against
//! the limits before calamine sees the file, and xlsx is told from ods.

use std::collections::HashMap;
use std::io::{self, BufReader, Cursor, Read};

use super::error::{Ctx, SheetError};
use super::ods_extent::OdsScan;
use super::sheets::MergedCells;
use super::xlsx_merges::XlsxMerges;
use super::xml_scan::{XmlProblem, scan_xml};

/// The OpenDocument spreadsheet media type, as held by an ods file's `mimetype` member.
pub(super) const ODS_MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ZipKind {
    Xlsx,
    Ods,
}

impl ZipKind {
    pub(super) fn name(self) -> &'static str {
        match self {
            ZipKind::Xlsx => "xlsx",
            ZipKind::Ods => "ods",
        }
    }
}

/// What [`inspect_zip`] found besides the limits holding.
pub(super) struct ZipFacts {
    /// xlsx or ods.
    pub(super) kind: ZipKind,
    /// For ods: every sheet's merged cells, (sheet name, range), from `content.xml`.
    pub(super) ods_merged: Vec<(String, MergedCells)>,
    /// For xlsx: the merged cells of every sheet whose part was placed, by sheet name
    /// ([`XlsxMerges::by_sheet`]).
    pub(super) xlsx_merged: HashMap<String, Vec<MergedCells>>,
}

/// Checks a zip archive's central directory and members against the limits, tells xlsx from
/// ods and collects the merged cells of every sheet.
pub(super) fn inspect_zip(bytes: &[u8], ctx: &Ctx<'_>) -> Result<ZipFacts, SheetError> {
    let limits = ctx.limits;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ctx.damaged("a zip-based spreadsheet (xlsx or ods)", e))?;
    if archive.len() > limits.max_members {
        return Err(ctx.refused(format!(
            "it holds {} zip members; the limit is {}",
            archive.len(),
            limits.max_members
        )));
    }
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let member = archive
            .by_index_raw(i)
            .map_err(|e| ctx.damaged("a zip-based spreadsheet (xlsx or ods)", e))?;
        let name = member.name().to_string();
        if member.encrypted() {
            return Err(ctx.refused(
                "it is password-protected; remove the password in the spreadsheet program and save it again",
            ));
        }
        let size = member.size();
        let packed = member.compressed_size();
        total = total.saturating_add(size);
        if total > limits.max_uncompressed_bytes {
            return Err(ctx.refused(format!(
                "its zip members expand to more than {} MiB in total (a zip bomb guard)",
                limits.max_uncompressed_bytes / (1024 * 1024)
            )));
        }
        if size >= limits.ratio_min_bytes && size > packed.saturating_mul(limits.max_ratio) {
            return Err(ctx.refused(format!(
                "zip member {name} expands {}:1 ({size} bytes from {packed}); the limit is {}:1 (a zip bomb guard)",
                size / packed.max(1),
                limits.max_ratio
            )));
        }
        names.push(name);
    }
    let kind = if names.iter().any(|n| n == "xl/workbook.xml") {
        ZipKind::Xlsx
    } else if names.iter().any(|n| n == "mimetype") && zip_mimetype(&mut archive) == ODS_MIMETYPE {
        ZipKind::Ods
    } else if names.iter().any(|n| n == "xl/workbook.bin") {
        return Err(ctx.not_a_table(
            "an Excel binary workbook (.xlsb), which medsec does not read; save it as .xlsx",
        ));
    } else if names.iter().any(|n| n == "word/document.xml") {
        return Err(ctx.not_a_table("a Word document"));
    } else {
        return Err(ctx.not_a_table("a zip archive without a workbook"));
    };
    let mut ods_merged = Vec::new();
    let mut xlsx_merges = (kind == ZipKind::Xlsx).then(XlsxMerges::default);
    for i in 0..archive.len() {
        let mut member = archive
            .by_index(i)
            .map_err(|e| ctx.damaged(kind.name(), e))?;
        if member.is_dir() {
            continue;
        }
        let name = member.name().to_string();
        let declared = member.size();
        let lower = name.to_ascii_lowercase();
        let is_xml = lower.ends_with(".xml") || lower.ends_with(".rels");
        let is_ods_content = kind == ZipKind::Ods && name == "content.xml";
        let counted = Counted {
            inner: &mut member,
            count: 0,
            limit: declared,
            exceeded: false,
        };
        let (mut counted, problem) = if is_xml {
            let mut xml = quick_xml::Reader::from_reader(BufReader::new(counted));
            let mut ods = is_ods_content.then(OdsScan::default);
            if let Some(merges) = xlsx_merges.as_mut() {
                merges.member(&name);
            }
            let problem = scan_xml(
                &mut xml,
                limits,
                declared,
                ods.as_mut(),
                xlsx_merges.as_mut(),
            )
            .err();
            if let Some(scan) = ods {
                ods_merged = scan.merged;
            }
            (xml.into_inner().into_inner(), problem)
        } else {
            (counted, None)
        };
        let drained = io::copy(&mut counted, &mut io::sink());
        if counted.exceeded {
            return Err(ctx.refused(format!(
                "zip member {name} holds more data than its declared {declared} bytes (a zip bomb guard)"
            )));
        }
        match problem {
            Some(XmlProblem::TooDeep) => {
                return Err(ctx.refused(format!(
                    "{name} nests XML elements more than {} levels deep",
                    limits.max_xml_depth
                )));
            }
            Some(XmlProblem::DocType) => {
                return Err(ctx.refused(format!(
                    "{name} holds a DOCTYPE declaration, which spreadsheet programs never write"
                )));
            }
            Some(XmlProblem::TooManyStrings(count)) => {
                return Err(ctx.refused(format!(
                    "{name} declares {count} shared strings, more than it can hold"
                )));
            }
            Some(XmlProblem::OdsOutOfBounds(cell)) => return Err(ctx.out_of_bounds(cell)),
            Some(XmlProblem::TooManyMerges(place)) => {
                return Err(ctx.refused(format!(
                    "it holds more than {} merged ranges (in {place}); unmerge the cells",
                    limits.max_cells
                )));
            }
            Some(XmlProblem::OdsTooDense {
                sheet,
                rows,
                columns,
            }) => {
                return Err(ctx.refused(format!(
                    "sheet \"{sheet}\" spans {rows} rows × {columns} columns, more than the {} cells medsec expands for an ods file; delete the unused rows and columns or save it as .xlsx",
                    limits.max_dense_cells
                )));
            }
            None => {}
        }
        drained.map_err(|e| ctx.damaged(kind.name(), format!("zip member {name}: {e}")))?;
    }
    Ok(ZipFacts {
        kind,
        ods_merged,
        xlsx_merged: xlsx_merges.map(XlsxMerges::by_sheet).unwrap_or_default(),
    })
}

/// The trimmed content of an archive's `mimetype` member (empty when unreadable).
fn zip_mimetype(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> String {
    let Ok(member) = archive.by_name("mimetype") else {
        return String::new();
    };
    let mut text = String::new();
    if member.take(256).read_to_string(&mut text).is_err() {
        return String::new();
    }
    text.trim().to_string()
}

/// A reader that counts bytes and fails once more than `limit` came out, so a member cannot
/// decompress to more than its central-directory size claims.
struct Counted<R> {
    inner: R,
    count: u64,
    limit: u64,
    exceeded: bool,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.exceeded {
            return Err(io::Error::other("zip member larger than declared"));
        }
        let n = self.inner.read(buf)?;
        self.count = self.count.saturating_add(n as u64);
        if self.count > self.limit {
            self.exceeded = true;
            return Err(io::Error::other("zip member larger than declared"));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::Path;

    use crate::import::sheet::fixtures::{TestResult, rewrite_zip, write_temp, xlsx_bytes};
    use crate::import::sheet::{Limits, read_table, read_table_from_bytes};

    #[test]
    fn zip_bomb_member_is_refused() -> TestResult {
        let bytes = xlsx_bytes(|s| {
            s.write_string(0, 0, "Name")?;
            Ok(())
        })?;
        let zeros = vec![0u8; 20 * 1024 * 1024];
        let bomb = rewrite_zip(&bytes, |_, d| Some(d), &[("xl/media/padding.bin", &zeros)])?;
        let file = write_temp(&bomb, ".xlsx")?;
        let err = read_table(file.path(), None)
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::Refused { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("xl/media/padding.bin") && msg.contains("zip bomb"),
            "{msg}"
        );

        let limits = Limits {
            max_uncompressed_bytes: 10 * 1024 * 1024,
            max_ratio: 100_000,
            ..Limits::default()
        };
        let err = read_table_from_bytes(&bomb, Path::new("b.xlsx"), None, &limits)
            .err()
            .ok_or("expected an error")?;
        assert!(err.to_string().contains("in total"), "{err}");
        Ok(())
    }

    #[test]
    fn member_larger_than_declared_is_refused() -> TestResult {
        let bytes = xlsx_bytes(|s| {
            s.write_string(0, 0, "Name")?;
            Ok(())
        })?;
        // Patch the central directory entry of sharedStrings.xml to declare 10 bytes.
        let mut patched = bytes.clone();
        let name = b"xl/sharedStrings.xml";
        let cd = patched
            .windows(4)
            .enumerate()
            .filter(|(i, w)| {
                *w == b"PK\x01\x02" && patched.get(i + 46..i + 46 + name.len()) == Some(name)
            })
            .map(|(i, _)| i)
            .next()
            .ok_or("no central directory entry")?;
        patched
            .get_mut(cd + 24..cd + 28)
            .ok_or("short")?
            .copy_from_slice(&10u32.to_le_bytes());
        let err = read_table_from_bytes(&patched, Path::new("p.xlsx"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::Refused { .. }), "{err:?}");
        assert!(
            err.to_string()
                .contains("more data than its declared 10 bytes"),
            "{err}"
        );
        Ok(())
    }

    #[test]
    fn zip_without_workbook_is_not_a_table() -> TestResult {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        out.start_file("readme.txt", zip::write::SimpleFileOptions::default())?;
        out.write_all(b"hello")?;
        let bytes = out.finish()?.into_inner();
        let err = read_table_from_bytes(&bytes, Path::new("z.xlsx"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::NotATable { .. }), "{err:?}");
        Ok(())
    }
}
