//! Just enough of the compound file format (MS-CFB, "OLE2") to read an xls file's `Workbook`
//! stream, so that [`super::xls_guard`] can measure it before calamine parses it.

const CFB_END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const CFB_LAST_REGULAR: u32 = 0xFFFF_FFFA;

pub(super) fn le16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at.checked_add(2)?)?
        .try_into()
        .ok()
        .map(u16::from_le_bytes)
}

pub(super) fn le32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at.checked_add(4)?)?
        .try_into()
        .ok()
        .map(u32::from_le_bytes)
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at.checked_add(8)?)?
        .try_into()
        .ok()
        .map(u64::from_le_bytes)
}

/// Just enough of MS-CFB to read one stream.
pub(super) struct CompoundFile<'a> {
    bytes: &'a [u8],
    sector_size: usize,
    fat: Vec<u32>,
    /// Upper bound on chain length (number of sectors in the file), to stop loops.
    max_sectors: usize,
}

impl<'a> CompoundFile<'a> {
    fn sector(&self, id: u32) -> Option<&'a [u8]> {
        let start = (id as usize)
            .checked_add(1)?
            .checked_mul(self.sector_size)?;
        let end = start.checked_add(self.sector_size)?.min(self.bytes.len());
        self.bytes.get(start..end).filter(|s| !s.is_empty())
    }

    /// Follows a chain of `sector_size` sectors through `fat`, reading from `sector`.
    fn chain(
        &self,
        start: u32,
        len: u64,
        fat: &[u32],
        sector: impl Fn(u32) -> Option<&'a [u8]>,
    ) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let mut id = start;
        let mut steps = 0usize;
        while id != CFB_END_OF_CHAIN && (out.len() as u64) < len {
            steps += 1;
            if steps > self.max_sectors + 1 || id > CFB_LAST_REGULAR {
                return Err("a sector chain is broken or loops".to_string());
            }
            let data = sector(id).ok_or("a sector lies past the end of the file")?;
            let room = usize::try_from(len - out.len() as u64).unwrap_or(usize::MAX);
            out.extend_from_slice(data.get(..data.len().min(room)).unwrap_or_default());
            id = *fat
                .get(id as usize)
                .ok_or("a sector is missing from the FAT")?;
        }
        Ok(out)
    }

    /// Reads the stream named `Workbook` (or `Book`, BIFF5) from the file.
    pub(super) fn workbook_stream(bytes: &'a [u8]) -> Result<Option<Vec<u8>>, String> {
        let sector_size = match le16(bytes, 30) {
            Some(9) => 512usize,
            Some(12) => 4096,
            _ => return Err("bad sector size".to_string()),
        };
        let header = |at| le32(bytes, at).ok_or_else(|| "short header".to_string());
        let dir_start = header(48)?;
        let mini_fat_start = header(60)?;
        let mini_fat_sectors = header(64)?;
        let mut difat_next = header(68)?;
        let mut cfb = CompoundFile {
            bytes,
            sector_size,
            fat: Vec::new(),
            max_sectors: bytes.len() / sector_size,
        };
        let mut fat_sectors: Vec<u32> = (0..109).filter_map(|i| le32(bytes, 76 + 4 * i)).collect();
        let mut steps = 0usize;
        while difat_next <= CFB_LAST_REGULAR {
            steps += 1;
            if steps > cfb.max_sectors + 1 {
                return Err("the DIFAT chain loops".to_string());
            }
            let data = cfb
                .sector(difat_next)
                .ok_or("a DIFAT sector lies past the end")?;
            let entries = sector_size / 4 - 1;
            fat_sectors.extend((0..entries).filter_map(|i| le32(data, 4 * i)));
            difat_next = le32(data, 4 * entries).unwrap_or(CFB_END_OF_CHAIN);
        }
        let mut fat = Vec::new();
        for id in fat_sectors.into_iter().filter(|id| *id <= CFB_LAST_REGULAR) {
            let data = cfb.sector(id).ok_or("a FAT sector lies past the end")?;
            fat.extend((0..data.len() / 4).filter_map(|i| le32(data, 4 * i)));
            if fat.len() > cfb.max_sectors.saturating_mul(2) + 1024 {
                return Err("the FAT is larger than the file".to_string());
            }
        }
        cfb.fat = fat;
        let dirs = cfb.chain(dir_start, u64::MAX, &cfb.fat, |id| cfb.sector(id))?;
        let entries: Vec<(String, u32, u64)> = dirs
            .chunks_exact(128)
            .map(|entry| {
                let name_bytes = entry.get(..64).unwrap_or_default();
                let (name, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(name_bytes);
                let name = name.split('\0').next().unwrap_or_default().to_string();
                let start = le32(entry, 116).unwrap_or(CFB_END_OF_CHAIN);
                let len = if sector_size == 512 {
                    u64::from(le32(entry, 120).unwrap_or(0))
                } else {
                    le64(entry, 120).unwrap_or(0)
                };
                (name, start, len)
            })
            .collect();
        let find = |wanted: &str| {
            entries
                .iter()
                .find(|(n, _, _)| n.eq_ignore_ascii_case(wanted))
        };
        let Some(&(_, start, len)) = find("Workbook").or_else(|| find("Book")) else {
            return Ok(None);
        };
        if len >= 4096 {
            return cfb
                .chain(start, len, &cfb.fat, |id| cfb.sector(id))
                .map(Some);
        }
        // Small streams live in the mini stream (64-byte sectors held by the root entry).
        let &(_, root_start, root_len) = entries.first().ok_or("no root entry")?;
        let mini_stream = cfb.chain(root_start, root_len, &cfb.fat, |id| cfb.sector(id))?;
        let mini_fat_len = u64::from(mini_fat_sectors).saturating_mul(sector_size as u64);
        let mini_fat_bytes =
            cfb.chain(mini_fat_start, mini_fat_len, &cfb.fat, |id| cfb.sector(id))?;
        let mini_fat: Vec<u32> = (0..mini_fat_bytes.len() / 4)
            .filter_map(|i| le32(&mini_fat_bytes, 4 * i))
            .collect();
        let mini = CompoundFile {
            bytes: &mini_stream,
            sector_size: 64,
            fat: Vec::new(),
            max_sectors: mini_stream.len() / 64 + 1,
        };
        let mini_sector = |id: u32| {
            let start = (id as usize).checked_mul(64)?;
            let end = start.checked_add(64)?.min(mini_stream.len());
            mini_stream.get(start..end).filter(|s| !s.is_empty())
        };
        mini.chain(start, len, &mini_fat, mini_sector).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::import::sheet::fixtures::{
        TestResult, XlsCell, cfb_file, texts, write_temp, xls_stream,
    };
    use crate::import::sheet::{Limits, TableFormat, read_table, read_table_from_bytes};

    #[test]
    fn xls_fixture_reads_from_mini_and_regular_streams() -> TestResult {
        let cells = [
            (0, 0, XlsCell::Text("Nombre del equipo")),
            (0, 1, XlsCell::Text("Serie")),
            (0, 2, XlsCell::Text("Instalado")),
            (0, 3, XlsCell::Text("Activo")),
            (1, 0, XlsCell::Text("Ventilador Dräger")),
            (1, 1, XlsCell::Number(1_020_313_061_616.0, 0)),
            (1, 2, XlsCell::Number(40157.0, 1)),
            (1, 3, XlsCell::Bool(true)),
        ];
        let bytes = cfb_file(&xls_stream("Equipos", &cells, None));
        let file = write_temp(&bytes, ".csv")?;
        let table = read_table(file.path(), None)?;
        assert_eq!(table.format, TableFormat::Xls);
        assert_eq!(table.sheet.as_deref(), Some("Equipos"));
        let row = table.rows.get(1).ok_or("no data row")?;
        assert_eq!(
            texts(row),
            ["Ventilador Dräger", "1020313061616", "2009-12-10", "TRUE"]
        );

        let mut many: Vec<(u16, u16, XlsCell<'_>)> = vec![(0, 0, XlsCell::Text("Name"))];
        many.extend((1..400).map(|r| (r, 0, XlsCell::Text("Infusion pump"))));
        let stream = xls_stream("Big", &many, None);
        assert!(stream.len() >= 4096);
        let table = read_table_from_bytes(
            &cfb_file(&stream),
            Path::new("b.xls"),
            None,
            &Limits::default(),
        )?;
        assert_eq!(table.rows.len(), 400);
        Ok(())
    }
}
