//! Safe reading of a tabular file — xlsx, ods, xls or CSV — into rows of cells.
//!
//! The format is sniffed from the bytes, never from the file name: a zip archive holding
//! `xl/workbook.xml` is xlsx, one whose `mimetype` member says
//! `application/vnd.oasis.opendocument.spreadsheet` is ods, an OLE2 compound file is xls, and
//! anything else that decodes as text is CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM or
//! Windows-1252; `,` `;` tab or `|` delimited).
//!
//! Hostile files are refused before a spreadsheet parser sees them (PRODUCT.md "Input limits",
//! all values in [`Limits`]): the file size; for zip-based formats the central directory (member
//! count, total uncompressed size, per-member compression ratio) and then every member is
//! decompressed once to check that it is no larger than declared, that no XML nests deeper than
//! 100 levels and that no XML carries a DOCTYPE. A sheet's declared dimension is ignored: xlsx is
//! read with calamine's streaming cell reader and only cells with a value are kept; an ods sheet
//! is measured from its XML before calamine expands it.
//! A text cell over 32,767 characters, or a value beyond row 2,000,000 or column 16,384, is an
//! error that names the cell. Formulas are never evaluated (their cached values are read) and
//! nothing is fetched.
//!
//! calamine reserves memory from a few declared sizes and expands some formats densely, so
//! those are measured first: an xlsx shared-string table's `uniqueCount`, each ods sheet's extent
//! (repeated rows and columns included) and, for xls, each sheet's declared DIMENSIONS and the
//! bounding box of its cells (read with a small compound-file reader). A sheet spanning more
//! than [`Limits::max_dense_cells`] is refused.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufReader, Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use calamine::{Data, DataRef, ExcelDateTime, Ods, Reader, SheetType, Xls, Xlsx};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};
use quick_xml::events::{BytesStart, Event};

/// The OpenDocument spreadsheet media type, as held by an ods file's `mimetype` member.
const ODS_MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const ZIP_EMPTY_MAGIC: &[u8] = b"PK\x05\x06";
const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
/// Digits a spreadsheet keeps in a number; longer integers stored as numbers lose digits.
const SPREADSHEET_DIGITS: u32 = 15;

/// The limits applied while reading a file. [`Limits::default`] holds the values of PRODUCT.md
/// ("Input limits"); tests and special callers may tighten them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes (512 MiB).
    pub max_file_bytes: u64,
    /// Largest total uncompressed size of a zip-based file's members (1 GiB).
    pub max_uncompressed_bytes: u64,
    /// Largest uncompressed ÷ compressed ratio of one zip member (100).
    pub max_ratio: u64,
    /// Members smaller than this (uncompressed) are not ratio-checked: they cannot be bombs,
    /// and tiny repetitive XML parts legitimately compress very well (1 MiB).
    pub ratio_min_bytes: u64,
    /// Most members in a zip-based file (10,000).
    pub max_members: usize,
    /// Deepest XML element nesting accepted in any member (100).
    pub max_xml_depth: usize,
    /// Longest text cell, in characters (32,767, Excel's own limit).
    pub max_text_chars: usize,
    /// Last row (1-based) that may hold a value (2,000,000).
    pub max_rows: usize,
    /// Number of columns that may hold a value (16,384, i.e. up to `XFD`).
    pub max_cols: usize,
    /// Most non-empty cells kept from one sheet or CSV file (10,000,000).
    pub max_cells: usize,
    /// Most cells an ods sheet may span (rows × columns of its values' bounding box), because
    /// calamine expands ods sheets densely (5,000,000).
    pub max_dense_cells: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 512 * 1024 * 1024,
            max_uncompressed_bytes: 1024 * 1024 * 1024,
            max_ratio: 100,
            ratio_min_bytes: 1024 * 1024,
            max_members: 10_000,
            max_xml_depth: 100,
            max_text_chars: 32_767,
            max_rows: 2_000_000,
            max_cols: 16_384,
            max_cells: 10_000_000,
            max_dense_cells: 5_000_000,
        }
    }
}

/// The kind of file a table was read from (sniffed from its bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Office Open XML workbook (also xlsm).
    Xlsx,
    /// Legacy Excel 97–2003 workbook (BIFF in an OLE2 compound file).
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// Delimited text.
    Csv,
}

impl TableFormat {
    /// A short lowercase name: `xlsx`, `xls`, `ods`, `csv`.
    pub fn name(self) -> &'static str {
        match self {
            TableFormat::Xlsx => "xlsx",
            TableFormat::Xls => "xls",
            TableFormat::Ods => "ods",
            TableFormat::Csv => "csv",
        }
    }
}

impl fmt::Display for TableFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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

/// One cell's value, as typed in the file.
///
/// CSV cells are always [`CellValue::Text`] (no type guessing, so `0000189` stays text).
/// Spreadsheet numbers stay numbers; [`CellValue::to_text`] gives their canonical text.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CellValue {
    /// No value.
    #[default]
    Empty,
    /// Text, exactly as stored (not trimmed).
    Text(String),
    /// An integer.
    Int(i64),
    /// A number (spreadsheets store integers as floats too).
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A date or date-time (a spreadsheet date, 1900 and 1904 systems resolved). Midnight
    /// means "date only".
    Date(NaiveDateTime),
    /// A spreadsheet error value such as `#N/A` or `#DIV/0!`.
    Error(String),
}

impl CellValue {
    /// True for [`CellValue::Empty`] and for text that is empty or only whitespace.
    pub fn is_blank(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell's canonical text: text as stored; integers without `.0` or exponent
    /// (`1020313061616`); other numbers rounded to the 15 significant digits a spreadsheet
    /// shows (`0.1 + 0.2` → `0.3`); dates `YYYY-MM-DD`, date-times `YYYY-MM-DD HH:MM:SS`;
    /// booleans `TRUE` / `FALSE`; errors as shown (`#N/A`); empty → `""`.
    pub fn to_text(&self) -> String {
        match self {
            CellValue::Empty => String::new(),
            CellValue::Text(s) => s.clone(),
            CellValue::Int(i) => i.to_string(),
            CellValue::Float(f) => format_number(*f),
            CellValue::Bool(true) => "TRUE".to_string(),
            CellValue::Bool(false) => "FALSE".to_string(),
            CellValue::Date(t) => format_datetime(*t),
            CellValue::Error(e) => e.clone(),
        }
    }

    /// True for a number stored as a number with more than 15 integer digits: a spreadsheet
    /// keeps only 15 significant digits, so the trailing digits of such a value (a long serial
    /// number or ID typed into a number cell) may have been replaced by zeros.
    /// [`POSSIBLY_DAMAGED_NOTE`] is the wording to show.
    pub fn possibly_damaged(&self) -> bool {
        let limit = 10u64.pow(SPREADSHEET_DIGITS);
        match self {
            CellValue::Int(i) => i.unsigned_abs() >= limit,
            CellValue::Float(f) => f.is_finite() && f.abs() >= limit as f64,
            _ => false,
        }
    }
}

/// The wording for a value flagged by [`CellValue::possibly_damaged`].
pub const POSSIBLY_DAMAGED_NOTE: &str = "has more than 15 digits and was stored as a number, so it was possibly damaged by a spreadsheet (digits after the 15th may have become zeros); check it against the device";

impl fmt::Display for CellValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// One non-empty cell of a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// 0-based column index (0 = `A`); see [`column_letter`].
    pub col: usize,
    /// The value (never [`CellValue::Empty`]).
    pub value: CellValue,
}

/// One row that holds at least one value.
///
/// Cells are kept sparse (only those with a value, sorted by column), so a sheet whose values
/// sit far apart cannot make the reader allocate its whole bounding box.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based row number in the sheet, or for CSV the 1-based line on which the record starts.
    pub number: usize,
    /// The non-empty cells, sorted by column, one per column.
    pub cells: Vec<Cell>,
}

static EMPTY_CELL: CellValue = CellValue::Empty;

impl Row {
    /// The value in 0-based column `col` ([`CellValue::Empty`] when there is none).
    pub fn get(&self, col: usize) -> &CellValue {
        match self.cells.binary_search_by_key(&col, |c| c.col) {
            Ok(i) => self.cells.get(i).map_or(&EMPTY_CELL, |c| &c.value),
            Err(_) => &EMPTY_CELL,
        }
    }

    /// One past the last column holding a value (0 for a row without cells).
    pub fn width(&self) -> usize {
        self.cells.last().map_or(0, |c| c.col + 1)
    }

    /// True when every cell is blank (see [`CellValue::is_blank`]).
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.value.is_blank())
    }
}

/// A table read from a file: the chosen sheet's rows (rows without values are left out; row
/// numbers keep their position in the file).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The file's format, sniffed from its bytes.
    pub format: TableFormat,
    /// The sheet read (`None` for CSV).
    pub sheet: Option<String>,
    /// Every sheet of the workbook, in order (empty for CSV).
    pub sheets: Vec<String>,
    /// For CSV: the encoding and delimiter found.
    pub csv: Option<CsvDialect>,
    /// True when the workbook uses the 1904 date system (xlsx and xls; dates in
    /// [`CellValue::Date`] are already resolved, this matters only for date serial numbers
    /// stored as plain numbers).
    pub date1904: bool,
    /// The rows holding at least one value, in row order.
    pub rows: Vec<Row>,
}

/// Why a file could not be read as a table. Every message names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The file has no bytes.
    #[error("{} is empty; export the inventory again", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file is over [`Limits::max_file_bytes`].
    #[error("{} is larger than {} MiB, the most medsec reads; split it into smaller files", .path.display(), .limit / (1024 * 1024))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// The bytes are not a spreadsheet or delimited text; `what` says what they look like.
    #[error("{} is not a spreadsheet or CSV file ({what}); save it as .xlsx, .ods, .xls or .csv", .path.display())]
    NotATable {
        /// The file.
        path: PathBuf,
        /// What the bytes look like.
        what: String,
    },
    /// The file looks like `format` but could not be parsed.
    #[error("{} cannot be read as {format}: {detail}; it may be truncated or damaged: open it in a spreadsheet program and save it again", .path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// The format it was read as.
        format: &'static str,
        /// The parser's complaint.
        detail: String,
    },
    /// The file breaks an input limit (a possible zip bomb, deep XML nesting, a DOCTYPE, a
    /// password, ...); `detail` says which.
    #[error("{} was refused: {detail}", .path.display())]
    Refused {
        /// The file.
        path: PathBuf,
        /// Which limit, and what to do.
        detail: String,
    },
    /// A text cell is longer than [`Limits::max_text_chars`].
    #[error("{}: {cell} holds {chars} characters; a cell may hold at most {limit}; shorten it and try again", .path.display())]
    TextTooLong {
        /// The file.
        path: PathBuf,
        /// The cell, e.g. `K12` (CSV: `line 12, column 11 (K)`).
        cell: String,
        /// Its length in characters.
        chars: usize,
        /// The limit.
        limit: usize,
    },
    /// A value lies beyond [`Limits::max_rows`] or [`Limits::max_cols`].
    #[error("{}: {cell} holds a value beyond row {max_rows} or column {max_col}; remove it or move the data up and to the left", .path.display())]
    OutOfBounds {
        /// The file.
        path: PathBuf,
        /// The cell, e.g. `A2000001`.
        cell: String,
        /// The last row allowed.
        max_rows: usize,
        /// The last column allowed, as letters.
        max_col: String,
    },
    /// More non-empty cells than [`Limits::max_cells`].
    #[error("{} holds more than {limit} values; split it into smaller files", .path.display())]
    TooManyCells {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: usize,
    },
    /// The requested sheet does not exist; `sheets` lists those that do.
    #[error("{} has no sheet \"{name}\"; its sheets are: {}", .path.display(), .sheets.join(", "))]
    SheetNotFound {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
        /// The workbook's sheets.
        sheets: Vec<String>,
    },
    /// The workbook holds no worksheet.
    #[error("{} holds no worksheet", .path.display())]
    NoSheets {
        /// The file.
        path: PathBuf,
    },
}

/// The column letters of a 0-based column index: 0 → `A`, 25 → `Z`, 26 → `AA`, 16383 → `XFD`.
pub fn column_letter(index0: usize) -> String {
    let mut n = index0 + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// The address of a cell from its 1-based row number and 0-based column: (12, 10) → `K12`.
pub fn cell_address(row_number: usize, col0: usize) -> String {
    format!("{}{row_number}", column_letter(col0))
}

/// Reads the first worksheet (or the sheet named `sheet`) of a spreadsheet, or a CSV file, with
/// the default [`Limits`].
///
/// Errors: [`SheetError`] — unreadable, empty, too large, not a table, damaged, refused by an
/// input limit, a cell too long or out of bounds, or (with `sheet`) a missing sheet, listing
/// the workbook's sheets. `sheet` is ignored for CSV.
pub fn read_table(path: &Path, sheet: Option<&str>) -> Result<Table, SheetError> {
    read_table_with_limits(path, sheet, &Limits::default())
}

/// [`read_table`] with explicit limits.
pub fn read_table_with_limits(
    path: &Path,
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<Table, SheetError> {
    let bytes = read_file(path, limits)?;
    read_table_from_bytes(&bytes, path, sheet, limits)
}

/// [`read_table`] on bytes already in memory; `path` only names the source in messages.
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
        return Err(SheetError::TooLarge {
            path: path.to_path_buf(),
            limit: limits.max_file_bytes,
        });
    }
    let ctx = Ctx { path, limits };
    if bytes.starts_with(ZIP_MAGIC) {
        let kind = guarded(&ctx, "a zip-based spreadsheet (xlsx or ods)", || {
            inspect_zip(bytes, &ctx)
        })?;
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

/// Reads the file into memory, refusing directories and anything over the size limit (reading
/// stops one byte past it, so devices and pipes are safe too).
fn read_file(path: &Path, limits: &Limits) -> Result<Vec<u8>, SheetError> {
    let io_err = |source| SheetError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if meta.is_dir() {
        return Err(io_err(io::Error::other("it is a directory, not a file")));
    }
    if meta.len() > limits.max_file_bytes {
        return Err(SheetError::TooLarge {
            path: path.to_path_buf(),
            limit: limits.max_file_bytes,
        });
    }
    let mut bytes = Vec::new();
    file.take(limits.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(SheetError::TooLarge {
            path: path.to_path_buf(),
            limit: limits.max_file_bytes,
        });
    }
    Ok(bytes)
}

/// The file being read and its limits, for error messages.
struct Ctx<'a> {
    path: &'a Path,
    limits: &'a Limits,
}

impl Ctx<'_> {
    fn damaged(&self, format: &'static str, detail: impl fmt::Display) -> SheetError {
        SheetError::Damaged {
            path: self.path.to_path_buf(),
            format,
            detail: detail.to_string(),
        }
    }

    fn refused(&self, detail: impl Into<String>) -> SheetError {
        SheetError::Refused {
            path: self.path.to_path_buf(),
            detail: detail.into(),
        }
    }

    fn not_a_table(&self, what: impl Into<String>) -> SheetError {
        SheetError::NotATable {
            path: self.path.to_path_buf(),
            what: what.into(),
        }
    }

    fn out_of_bounds(&self, cell: String) -> SheetError {
        SheetError::OutOfBounds {
            path: self.path.to_path_buf(),
            cell,
            max_rows: self.limits.max_rows,
            max_col: column_letter(self.limits.max_cols.saturating_sub(1)),
        }
    }
}

/// Runs a parser, turning a panic inside it into a "damaged file" error: a hostile file must
/// never crash the program.
fn guarded<T>(
    ctx: &Ctx<'_>,
    format: &'static str,
    f: impl FnOnce() -> Result<T, SheetError>,
) -> Result<T, SheetError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(ctx.damaged(format, "the spreadsheet reader failed on it")))
}

// ---------------------------------------------------------------------------------------------
// Zip-based formats: limits before calamine.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ZipKind {
    Xlsx,
    Ods,
}

impl ZipKind {
    fn name(self) -> &'static str {
        match self {
            ZipKind::Xlsx => "xlsx",
            ZipKind::Ods => "ods",
        }
    }
}

/// Checks a zip archive's central directory and members against the limits and tells xlsx from
/// ods.
fn inspect_zip(bytes: &[u8], ctx: &Ctx<'_>) -> Result<ZipKind, SheetError> {
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
            let problem = scan_xml(&mut xml, limits, declared, ods.as_mut()).err();
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
    Ok(kind)
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

enum XmlProblem {
    TooDeep,
    TooManyStrings(String),
    DocType,
    OdsOutOfBounds(String),
    OdsTooDense {
        sheet: String,
        rows: u64,
        columns: u64,
    },
}

/// Walks one XML member: nesting depth, DOCTYPE and (for ods `content.xml`) the extent of each
/// sheet. Malformed XML simply ends the walk: the spreadsheet parser reports it if it matters.
fn scan_xml<R: io::BufRead>(
    xml: &mut quick_xml::Reader<R>,
    limits: &Limits,
    declared: u64,
    mut ods: Option<&mut OdsScan>,
) -> Result<(), XmlProblem> {
    // calamine reserves room for an xlsx shared-string table's declared `uniqueCount`; each
    // string takes at least 5 bytes of XML (`<si/>`).
    let max_strings = (declared / 5 + 16).min(limits.max_cells as u64);
    let check_sst = |e: &BytesStart<'_>| -> Result<(), XmlProblem> {
        if e.local_name().as_ref() == "sst"
            && let Some(count) = attr_text(e, "uniqueCount")
            && count
                .trim()
                .parse::<u64>()
                .map_or(true, |n| n > max_strings)
        {
            return Err(XmlProblem::TooManyStrings(count));
        }
        Ok(())
    };
    let mut buf = Vec::new();
    let mut depth: usize = 0;
    loop {
        buf.clear();
        let event = match xml.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(_) => return Ok(()),
        };
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth > limits.max_xml_depth {
                    return Err(XmlProblem::TooDeep);
                }
                check_sst(&e)?;
                if let Some(ods) = ods.as_deref_mut() {
                    ods.start(&e, false, limits)?;
                }
            }
            Event::Empty(e) => {
                if depth + 1 > limits.max_xml_depth {
                    return Err(XmlProblem::TooDeep);
                }
                check_sst(&e)?;
                if let Some(ods) = ods.as_deref_mut() {
                    ods.start(&e, true, limits)?;
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                if let Some(ods) = ods.as_deref_mut() {
                    ods.end(e.name().as_ref(), limits)?;
                }
            }
            Event::DocType(_) => return Err(XmlProblem::DocType),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// The extent of the values of the ods sheets, measured with repeats counted, because calamine
/// expands `number-rows-repeated` / `number-columns-repeated` into dense cells.
#[derive(Default)]
struct OdsScan {
    sheet: String,
    /// 0-based index of the next row.
    row: u64,
    row_repeat: u64,
    row_has_value: bool,
    col: u64,
    first_value_row: Option<u64>,
    last_value_row: u64,
    width: u64,
}

impl OdsScan {
    fn start(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
        limits: &Limits,
    ) -> Result<(), XmlProblem> {
        match e.name().as_ref() {
            "table:table" => {
                *self = OdsScan {
                    sheet: attr_text(e, "table:name").unwrap_or_default(),
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

    fn end(&mut self, name: &str, limits: &Limits) -> Result<(), XmlProblem> {
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

fn attr_text(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let attr = e.try_get_attribute(name).ok().flatten()?;
    Some(attr.value.into_owned())
}

fn attr_count(e: &BytesStart<'_>, name: &str) -> u64 {
    attr_text(e, name)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}

// ---------------------------------------------------------------------------------------------
// Spreadsheets through calamine.

/// Chooses the sheet to read: the named one (exact, else case-insensitive), or the first
/// worksheet.
fn choose_sheet(
    ctx: &Ctx<'_>,
    metadata: &[calamine::Sheet],
    wanted: Option<&str>,
) -> Result<String, SheetError> {
    let names: Vec<String> = metadata.iter().map(|s| s.name.clone()).collect();
    match wanted {
        Some(wanted) => {
            let trimmed = wanted.trim();
            if let Some(name) = names.iter().find(|n| n.as_str() == wanted) {
                return Ok(name.clone());
            }
            let folded: Vec<&String> = names
                .iter()
                .filter(|n| n.trim().to_lowercase() == trimmed.to_lowercase())
                .collect();
            match folded.as_slice() {
                [one] => Ok((*one).clone()),
                _ => Err(SheetError::SheetNotFound {
                    path: ctx.path.to_path_buf(),
                    name: wanted.to_string(),
                    sheets: names,
                }),
            }
        }
        None => metadata
            .iter()
            .find(|s| s.typ == SheetType::WorkSheet)
            .or_else(|| metadata.first())
            .map(|s| s.name.clone())
            .ok_or_else(|| SheetError::NoSheets {
                path: ctx.path.to_path_buf(),
            }),
    }
}

fn read_xlsx(bytes: &[u8], ctx: &Ctx<'_>, sheet: Option<&str>) -> Result<Table, SheetError> {
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ctx.damaged("xlsx", e))?;
    let sheets = workbook.sheet_names();
    let name = choose_sheet(ctx, workbook.sheets_metadata(), sheet)?;
    let date1904 = workbook.has_1904_epoch();
    let mut builder = RowsBuilder::new(ctx, false);
    let mut cells = workbook
        .worksheet_cells_reader(&name)
        .map_err(|e| ctx.damaged("xlsx", format!("sheet \"{name}\": {e}")))?;
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(calamine::XlsxError::RowNumberOverflow) => {
                return Err(ctx.out_of_bounds(format!("sheet \"{name}\": a cell")));
            }
            Err(calamine::XlsxError::ColumnNumberOverflow) => {
                return Err(ctx.out_of_bounds(format!("sheet \"{name}\": a cell")));
            }
            Err(e) => return Err(ctx.damaged("xlsx", format!("sheet \"{name}\": {e}"))),
        };
        let (row, col) = cell.get_position();
        builder.push(
            row as usize + 1,
            col as usize,
            from_data_ref(cell.get_value()),
        )?;
    }
    Ok(Table {
        format: TableFormat::Xlsx,
        sheet: Some(name),
        sheets,
        csv: None,
        date1904,
        rows: builder.finish(),
    })
}

fn read_ods(bytes: &[u8], ctx: &Ctx<'_>, sheet: Option<&str>) -> Result<Table, SheetError> {
    let mut workbook: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(|e| ctx.damaged("ods", e))?;
    let sheets = workbook.sheet_names();
    let name = choose_sheet(ctx, workbook.sheets_metadata(), sheet)?;
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| ctx.damaged("ods", format!("sheet \"{name}\": {e}")))?;
    let rows = rows_from_range(ctx, &range)?;
    Ok(Table {
        format: TableFormat::Ods,
        sheet: Some(name),
        sheets,
        csv: None,
        date1904: false,
        rows,
    })
}

fn read_xls(bytes: &[u8], ctx: &Ctx<'_>, sheet: Option<&str>) -> Result<Table, SheetError> {
    check_xls(bytes, ctx)?;
    let mut workbook: Xls<_> = match Xls::new(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(e) => return Err(explain_ole2(bytes, ctx, e)),
    };
    let sheets = workbook.sheet_names();
    let name = choose_sheet(ctx, workbook.sheets_metadata(), sheet)?;
    let date1904 = workbook.has_1904_epoch();
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| ctx.damaged("xls", format!("sheet \"{name}\": {e}")))?;
    let rows = rows_from_range(ctx, &range)?;
    Ok(Table {
        format: TableFormat::Xls,
        sheet: Some(name),
        sheets,
        csv: None,
        date1904,
        rows,
    })
}

// ---------------------------------------------------------------------------------------------
// xls: calamine parses every sheet when it opens the file, reserves memory for each sheet's
// declared DIMENSIONS and expands its cells to their bounding box, so both are measured here
// first with a small compound-file (OLE2) reader and a walk over the BIFF records.

const CFB_END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const CFB_LAST_REGULAR: u32 = 0xFFFF_FFFA;

fn le16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at.checked_add(2)?)?
        .try_into()
        .ok()
        .map(u16::from_le_bytes)
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
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
struct CompoundFile<'a> {
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
    fn workbook_stream(bytes: &'a [u8]) -> Result<Option<Vec<u8>>, String> {
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
fn check_xls(bytes: &[u8], ctx: &Ctx<'_>) -> Result<(), SheetError> {
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

/// A clearer message for OLE2 files that are not xls workbooks.
fn explain_ole2(bytes: &[u8], ctx: &Ctx<'_>, e: impl fmt::Display) -> SheetError {
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

fn rows_from_range(ctx: &Ctx<'_>, range: &calamine::Range<Data>) -> Result<Vec<Row>, SheetError> {
    let mut builder = RowsBuilder::new(ctx, false);
    let (row0, col0) = range.start().unwrap_or((0, 0));
    for (r, c, value) in range.used_cells() {
        let row = r + row0 as usize;
        let col = c + col0 as usize;
        builder.push(row + 1, col, from_data(value))?;
    }
    Ok(builder.finish())
}

fn from_data_ref(value: &DataRef<'_>) -> CellValue {
    match value {
        DataRef::Empty => CellValue::Empty,
        DataRef::String(s) => text_value(s),
        DataRef::SharedString(s) => text_value(s),
        DataRef::Int(i) => CellValue::Int(*i),
        DataRef::Float(f) => CellValue::Float(*f),
        DataRef::Bool(b) => CellValue::Bool(*b),
        DataRef::DateTime(d) => from_excel_datetime(d),
        DataRef::DateTimeIso(s) => from_iso(s),
        DataRef::DurationIso(s) => text_value(s),
        DataRef::Error(e) => CellValue::Error(e.to_string()),
    }
}

fn from_data(value: &Data) -> CellValue {
    match value {
        Data::Empty => CellValue::Empty,
        Data::String(s) => text_value(s),
        Data::Int(i) => CellValue::Int(*i),
        Data::Float(f) => CellValue::Float(*f),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(d) => from_excel_datetime(d),
        Data::DateTimeIso(s) => from_iso(s),
        Data::DurationIso(s) => text_value(s),
        Data::Error(e) => CellValue::Error(e.to_string()),
    }
}

fn text_value(s: &str) -> CellValue {
    if s.is_empty() {
        CellValue::Empty
    } else {
        CellValue::Text(s.to_string())
    }
}

/// A spreadsheet date serial → a date-time. calamine applies the workbook's 1900 or 1904 date
/// system. Time-only values and durations become text (`12:30:00`, `36:00:00`).
fn from_excel_datetime(d: &ExcelDateTime) -> CellValue {
    let value = d.as_f64();
    if !value.is_finite() {
        return CellValue::Float(value);
    }
    if d.is_duration() || (0.0..1.0).contains(&value) {
        let secs = (value * 86_400.0).round();
        if secs < 0.0 {
            return CellValue::Float(value);
        }
        let secs = secs as u64;
        return CellValue::Text(format!(
            "{}:{:02}:{:02}",
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        ));
    }
    if value < 0.0 {
        return CellValue::Float(value);
    }
    let (y, m, day, hh, mm, ss, ms) = d.to_ymd_hms_milli();
    let t = NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(day))
        .and_then(|date| date.and_hms_opt(u32::from(hh), u32::from(mm), u32::from(ss)));
    match t {
        // Round to the second; spreadsheets keep milliseconds only as float noise.
        Some(t) if ms >= 500 => CellValue::Date(t + TimeDelta::seconds(1)),
        Some(t) => CellValue::Date(t),
        // 1900-02-29 (Excel's leap-year bug) and other impossible dates stay numbers.
        None => CellValue::Float(value),
    }
}

/// An ISO 8601 date or date-time (ods dates, xlsx `t="d"` cells); unparseable → text.
fn from_iso(s: &str) -> CellValue {
    let s = s.trim();
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            let t = t.with_nanosecond(0).unwrap_or(t);
            return CellValue::Date(t);
        }
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => CellValue::Date(d.and_time(NaiveTime::MIN)),
        Err(_) => text_value(s),
    }
}

fn format_datetime(t: NaiveDateTime) -> String {
    if t.time() == NaiveTime::MIN {
        t.format("%Y-%m-%d").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// A number as a spreadsheet user expects to read it back: whole numbers without `.0` or
/// exponent, others rounded to 15 significant digits.
fn format_number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f == 0.0 {
        return "0".to_string();
    }
    if f.fract() == 0.0 {
        // `Display` for f64 never uses an exponent and drops `.0`.
        return format!("{f}");
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    format!("{rounded}")
}

/// Collects non-empty cells into sparse rows, enforcing the cell limits.
struct RowsBuilder<'a> {
    ctx: &'a Ctx<'a>,
    csv: bool,
    rows: BTreeMap<usize, Vec<Cell>>,
    count: usize,
}

impl<'a> RowsBuilder<'a> {
    fn new(ctx: &'a Ctx<'a>, csv: bool) -> Self {
        RowsBuilder {
            ctx,
            csv,
            rows: BTreeMap::new(),
            count: 0,
        }
    }

    fn address(&self, number: usize, col: usize) -> String {
        if self.csv {
            format!("line {number}, column {} ({})", col + 1, column_letter(col))
        } else {
            format!("cell {}", cell_address(number, col))
        }
    }

    fn push(&mut self, number: usize, col: usize, value: CellValue) -> Result<(), SheetError> {
        if value == CellValue::Empty {
            return Ok(());
        }
        let limits = self.ctx.limits;
        if number > limits.max_rows || col >= limits.max_cols {
            return Err(self.ctx.out_of_bounds(self.address(number, col)));
        }
        if let CellValue::Text(s) = &value {
            // Cheap byte test first: a string of at most `max` bytes has at most `max` chars.
            if s.len() > limits.max_text_chars {
                let chars = s.chars().count();
                if chars > limits.max_text_chars {
                    return Err(SheetError::TextTooLong {
                        path: self.ctx.path.to_path_buf(),
                        cell: self.address(number, col),
                        chars,
                        limit: limits.max_text_chars,
                    });
                }
            }
        }
        self.count += 1;
        if self.count > limits.max_cells {
            return Err(SheetError::TooManyCells {
                path: self.ctx.path.to_path_buf(),
                limit: limits.max_cells,
            });
        }
        self.rows
            .entry(number)
            .or_default()
            .push(Cell { col, value });
        Ok(())
    }

    fn finish(self) -> Vec<Row> {
        self.rows
            .into_iter()
            .map(|(number, mut cells)| {
                // Keep the last value written to a column (stable sort after reversing).
                cells.reverse();
                cells.sort_by_key(|c| c.col);
                cells.dedup_by_key(|c| c.col);
                Row { number, cells }
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// CSV.

fn read_csv(bytes: &[u8], ctx: &Ctx<'_>) -> Result<Table, SheetError> {
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

/// Says what the bytes look like when they are not delimited text.
fn binary_kind(bytes: &[u8], text: &str) -> Option<String> {
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
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const CORPUS_XLSX: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/assets/udea-lime-F-147-inventario-equipos-biomedicos-redacted.xlsx"
    );

    fn write_temp(bytes: &[u8], suffix: &str) -> Result<tempfile::NamedTempFile, io::Error> {
        let mut file = tempfile::Builder::new().suffix(suffix).tempfile()?;
        file.write_all(bytes)?;
        file.flush()?;
        Ok(file)
    }

    fn csv_table(bytes: &[u8]) -> Result<Table, SheetError> {
        read_table_from_bytes(bytes, Path::new("test.csv"), None, &Limits::default())
    }

    fn texts(row: &Row) -> Vec<String> {
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

    fn xlsx_bytes(
        build: impl FnOnce(&mut rust_xlsxwriter::Worksheet) -> Result<(), rust_xlsxwriter::XlsxError>,
    ) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("Devices")?;
        build(sheet)?;
        Ok(workbook.save_to_buffer()?)
    }

    /// A minimal ods file: `rows` is the body of one `table:table`.
    pub(crate) fn ods_bytes(
        sheet: &str,
        rows: &str,
    ) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="{sheet}">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
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

    #[test]
    fn shared_string_count_is_checked() -> TestResult {
        let bytes = xlsx_bytes(|s| {
            s.write_string(0, 0, "Name")?;
            Ok(())
        })?;
        let bytes = rewrite_zip(
            &bytes,
            |name, data| {
                if name == "xl/sharedStrings.xml" {
                    let xml = String::from_utf8_lossy(&data)
                        .replace("uniqueCount=\"1\"", "uniqueCount=\"999999999999\"");
                    Some(xml.into_bytes())
                } else {
                    Some(data)
                }
            },
            &[],
        )?;
        let err = read_table_from_bytes(&bytes, Path::new("s.xlsx"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(
            err.to_string().contains("999999999999 shared strings"),
            "{err}"
        );
        Ok(())
    }

    #[test]
    fn other_corpus_files_pass_the_limits() -> TestResult {
        let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/");
        for file in [
            "mds2/nema-example-mds2-worksheet-hn1-2019.xlsx",
            "risk-templates/ccb-cyfun2025-self-assessment-tool-ESSENTIAL-v3.1-redacted.xlsx",
            "risk-templates/ciso-assistant-nist-sp-800-66-rev2-hipaa.xlsx",
            "risk-templates/ciso-assistant-risk-matrix-5x5-iso-27005.xlsx",
            "risk-templates/ciso-assistant-risk_assessment_template-redacted.xlsx",
        ] {
            let path = PathBuf::from(corpus).join(file);
            let first = read_table(&path, None)?;
            assert!(!first.rows.is_empty(), "{file}");
            for sheet in &first.sheets {
                read_table(&path, Some(sheet))?;
            }
        }
        let kev = read_table(
            &PathBuf::from(corpus).join("kev/known_exploited_vulnerabilities-redacted.csv"),
            None,
        )?;
        assert_eq!(kev.csv.map(|c| c.delimiter), Some(b','));
        let header = kev.rows.first().ok_or("no header")?;
        assert_eq!(header.get(0).to_text(), "cveID");
        assert_eq!(header.width(), 11);
        assert!(kev.rows.len() > 1000);
        Ok(())
    }

    #[test]
    fn column_letters_and_addresses() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(50), "AY");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(column_letter(16_383), "XFD");
        assert_eq!(cell_address(12, 10), "K12");
    }

    #[test]
    fn numbers_come_back_as_typed() {
        assert_eq!(
            CellValue::Float(1_020_313_061_616.0).to_text(),
            "1020313061616"
        );
        assert_eq!(CellValue::Float(3_000_957_831.0).to_text(), "3000957831");
        assert_eq!(CellValue::Float(-0.0).to_text(), "0");
        assert_eq!(CellValue::Float(3.3).to_text(), "3.3");
        assert_eq!(CellValue::Float(0.1 + 0.2).to_text(), "0.3");
        assert_eq!(CellValue::Float(1e21).to_text(), "1000000000000000000000");
        assert_eq!(CellValue::Int(-42).to_text(), "-42");
        assert_eq!(CellValue::Bool(true).to_text(), "TRUE");
        assert!(!CellValue::Float(999_999_999_999_999.0).possibly_damaged());
        assert!(CellValue::Float(1_010_101_000_302_200_000.0).possibly_damaged());
        assert!(CellValue::Int(1_000_000_000_000_000).possibly_damaged());
        assert!(!CellValue::Text("0101010003022000165".into()).possibly_damaged());
        assert_eq!(
            CellValue::Float(1_010_101_000_302_200_000.0).to_text(),
            "1010101000302200000"
        );
        let dt = NaiveDate::from_ymd_opt(2024, 7, 12).and_then(|d| d.and_hms_opt(0, 0, 0));
        assert_eq!(
            dt.map(|t| CellValue::Date(t).to_text()).as_deref(),
            Some("2024-07-12")
        );
        let dt = NaiveDate::from_ymd_opt(2024, 7, 12).and_then(|d| d.and_hms_opt(9, 5, 0));
        assert_eq!(
            dt.map(|t| CellValue::Date(t).to_text()).as_deref(),
            Some("2024-07-12 09:05:00")
        );
    }

    #[test]
    fn corpus_inventory_reads_with_mixed_types() -> TestResult {
        let table = read_table(Path::new(CORPUS_XLSX), None)?;
        assert_eq!(table.format, TableFormat::Xlsx);
        assert_eq!(table.sheet.as_deref(), Some("Hoja1"));
        assert_eq!(table.sheets, vec!["Hoja1".to_string()]);
        assert!(!table.date1904);
        // Title rows 1, 3, 5, group headers in row 7, header in row 9, data rows 10–63; the
        // declared dimension A1:AY65 is not trusted (rows 64–65 hold nothing).
        let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers.first(), Some(&1));
        assert_eq!(numbers.iter().filter(|n| **n >= 10).count(), 54);
        assert_eq!(numbers.last(), Some(&63));
        let row = |n: usize| table.rows.iter().find(|r| r.number == n);
        let header = row(9).ok_or("no row 9")?;
        assert_eq!(header.width(), 51);
        assert_eq!(header.get(10).to_text(), "Serie");
        assert_eq!(
            header.get(16).to_text(),
            "Antigüedad del eq. (F. adquisición)"
        );
        // Serial numbers: text with leading zeros, text digits, and numbers.
        let k = 10;
        assert_eq!(
            row(12).ok_or("row 12")?.get(k),
            &CellValue::Text("0000189".into())
        );
        assert_eq!(row(17).ok_or("row 17")?.get(k).to_text(), "1020313061616");
        let k21 = row(21).ok_or("row 21")?.get(k);
        assert!(matches!(k21, CellValue::Float(_) | CellValue::Int(_)));
        assert_eq!(k21.to_text(), "3000957831");
        assert_eq!(row(56).ok_or("row 56")?.get(k).to_text(), "00000005299");
        // Acquisition dates: a real date, an integer year, and text.
        assert_eq!(row(10).ok_or("row 10")?.get(16).to_text(), "2009-12-10");
        assert!(matches!(
            row(10).ok_or("row 10")?.get(16),
            CellValue::Date(_)
        ));
        assert_eq!(row(34).ok_or("row 34")?.get(16).to_text(), "2005");
        assert_eq!(row(51).ok_or("row 51")?.get(16).to_text(), "2006");
        // Trailing tab kept at this level (the inventory trims).
        assert_eq!(row(47).ok_or("row 47")?.get(11).to_text(), "Extensión  ");
        Ok(())
    }

    #[test]
    fn corpus_sheet_by_name_and_missing_sheet() -> TestResult {
        let table = read_table(Path::new(CORPUS_XLSX), Some("hoja1"))?;
        assert_eq!(table.sheet.as_deref(), Some("Hoja1"));
        let err = read_table(Path::new(CORPUS_XLSX), Some("Inventario"))
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::SheetNotFound { .. }));
        let msg = err.to_string();
        assert!(msg.contains("no sheet \"Inventario\""), "{msg}");
        assert!(msg.contains("its sheets are: Hoja1"), "{msg}");
        Ok(())
    }

    #[test]
    fn xlsx_dates_in_1900_and_1904_systems() -> TestResult {
        let bytes = xlsx_bytes(|s| {
            let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
            let stamp = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm");
            s.write_string(0, 0, "Date")?;
            s.write_number_with_format(1, 0, 40157.0, &date)?;
            s.write_number_with_format(2, 0, 45943.5, &stamp)?;
            s.write_number(3, 0, 1_020_313_061_616.0)?;
            Ok(())
        })?;
        let table = read_table_from_bytes(&bytes, Path::new("d.xlsx"), None, &Limits::default())?;
        assert!(!table.date1904);
        let col: Vec<String> = table.rows.iter().map(|r| r.get(0).to_text()).collect();
        assert_eq!(
            col,
            ["Date", "2009-12-10", "2025-10-13 12:00:00", "1020313061616"]
        );

        // The same serials in a workbook set to the 1904 date system are 1462 days later.
        let bytes1904 = rewrite_zip(
            &bytes,
            |name, data| {
                if name == "xl/workbook.xml" {
                    let xml = String::from_utf8_lossy(&data)
                        .replace("<workbookPr", "<workbookPr date1904=\"1\"");
                    Some(xml.into_bytes())
                } else {
                    Some(data)
                }
            },
            &[],
        )?;
        let table =
            read_table_from_bytes(&bytes1904, Path::new("d.xlsx"), None, &Limits::default())?;
        assert!(table.date1904);
        let col: Vec<String> = table.rows.iter().map(|r| r.get(0).to_text()).collect();
        assert_eq!(
            col,
            ["Date", "2013-12-11", "2029-10-14 12:00:00", "1020313061616"]
        );
        Ok(())
    }

    #[test]
    fn declared_dimension_is_not_trusted() -> TestResult {
        let bytes = xlsx_bytes(|s| {
            s.write_string(0, 0, "Name")?;
            s.write_string(1, 0, "Pump")?;
            Ok(())
        })?;
        let bytes = rewrite_zip(
            &bytes,
            |name, data| {
                if name == "xl/worksheets/sheet1.xml" {
                    let xml = String::from_utf8_lossy(&data);
                    let start = xml.find("<dimension").unwrap_or(0);
                    let end = xml[start..].find("/>").map_or(start, |e| start + e + 2);
                    let mut xml = xml.into_owned();
                    xml.replace_range(start..end, r#"<dimension ref="A1:XFD1048576"/>"#);
                    Some(xml.into_bytes())
                } else {
                    Some(data)
                }
            },
            &[],
        )?;
        let table = read_table_from_bytes(&bytes, Path::new("d.xlsx"), None, &Limits::default())?;
        assert_eq!(table.rows.len(), 2);
        Ok(())
    }

    #[test]
    fn xlsx_cell_limits_name_the_cell() -> TestResult {
        let bytes = xlsx_bytes(|s| {
            s.write_string(0, 0, "Notes")?;
            s.write_string(4, 2, "x".repeat(50))?;
            s.write_string(200, 0, "far down")?;
            Ok(())
        })?;
        let limits = Limits {
            max_text_chars: 40,
            ..Limits::default()
        };
        let err = read_table_from_bytes(&bytes, Path::new("l.xlsx"), None, &limits)
            .err()
            .ok_or("expected an error")?;
        assert!(
            matches!(err, SheetError::TextTooLong { chars: 50, .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains("cell C5 holds 50 characters"),
            "{err}"
        );

        let limits = Limits {
            max_rows: 100,
            ..Limits::default()
        };
        let err = read_table_from_bytes(&bytes, Path::new("l.xlsx"), None, &limits)
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::OutOfBounds { .. }), "{err}");
        assert!(err.to_string().contains("cell A201"), "{err}");
        Ok(())
    }

    #[test]
    fn truncated_xlsx_is_a_clear_error() -> TestResult {
        let bytes = std::fs::read(CORPUS_XLSX)?;
        let cut = bytes.get(..bytes.len() / 2).ok_or("short")?;
        let file = write_temp(cut, ".xlsx")?;
        let err = read_table(file.path(), None)
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::Damaged { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("truncated or damaged"), "{msg}");
        assert!(msg.contains(&file.path().display().to_string()), "{msg}");
        Ok(())
    }

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
    fn deep_xml_and_doctype_are_refused() -> TestResult {
        let bytes = xlsx_bytes(|s| {
            s.write_string(0, 0, "Name")?;
            Ok(())
        })?;
        let deep = format!("<a>{}{}</a>", "<b>".repeat(150), "</b>".repeat(150));
        let file = rewrite_zip(
            &bytes,
            |_, d| Some(d),
            &[("docProps/deep.xml", deep.as_bytes())],
        )?;
        let err = read_table_from_bytes(&file, Path::new("x.xlsx"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(err.to_string().contains("more than 100 levels"), "{err}");

        let doctype = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>"#;
        let file = rewrite_zip(
            &bytes,
            |_, d| Some(d),
            &[("docProps/x.xml", doctype.as_bytes())],
        )?;
        let err = read_table_from_bytes(&file, Path::new("x.xlsx"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(err.to_string().contains("DOCTYPE"), "{err}");
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

    #[test]
    fn ods_fixture_reads() -> TestResult {
        let rows = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>Name</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Serial</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Installed</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>In scope</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="4"/></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>Evita V500</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="1020313061616"><text:p>1020313061616</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2021-08-31"><text:p>31/08/2021</text:p></table:table-cell><table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
        let bytes = ods_bytes("Geräte", rows)?;
        let file = write_temp(&bytes, ".xlsx")?; // the name lies; the bytes decide
        let table = read_table(file.path(), None)?;
        assert_eq!(table.format, TableFormat::Ods);
        assert_eq!(table.sheet.as_deref(), Some("Geräte"));
        assert_eq!(table.rows.len(), 2);
        let data = table.rows.get(1).ok_or("no data row")?;
        assert_eq!(data.number, 5);
        assert_eq!(
            texts(data),
            ["Evita V500", "1020313061616", "2021-08-31", "TRUE"]
        );
        Ok(())
    }

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

    #[test]
    fn oversized_file_is_refused() -> TestResult {
        let file = write_temp(b"Name\nPump\n", ".csv")?;
        let limits = Limits {
            max_file_bytes: 4,
            ..Limits::default()
        };
        let err = read_table_with_limits(file.path(), None, &limits)
            .err()
            .ok_or("expected an error")?;
        assert!(matches!(err, SheetError::TooLarge { .. }), "{err:?}");
        Ok(())
    }
}
