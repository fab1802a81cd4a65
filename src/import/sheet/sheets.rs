//! Every sheet of one spreadsheet file (xlsx, xls or ods), for readers that need the whole
//! workbook rather than one table (`import workbook` reads a filled copy of the template).
//!
//! The hostile-input checks of [`read_table`](super::read_table) run once for the file (size,
//! zip central directory and members, XML depth and DOCTYPE, xls and ods extents), then each
//! sheet is handed to the caller in workbook order, one at a time, so a large file never holds
//! the rows of two sheets at once. Besides its rows a sheet carries what a faithful import must
//! know and calamine's plain cell values do not say: its visibility, the formula cells whose
//! cached value is blank (a formula is never evaluated), its merged cells, and for xlsx the
//! SHA-256 of its canonical cell text as `export xlsx` records it in `_medsec`
//! ([`crate::export::xlsx`]), so an untouched sheet can be recognised.

use std::collections::HashMap;
use std::fmt;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Dimensions, Ods, Reader, SheetType, SheetVisible, Xls, Xlsx};

use super::cell::cell_address;
use super::error::{Ctx, SheetError, guarded};
use super::from_calamine::{from_data, from_data_ref};
use super::limits::Limits;
use super::sniff::{OLE2_MAGIC, ZIP_EMPTY_MAGIC, ZIP_MAGIC, binary_kind, explain_ole2};
use super::table::{Row, RowsBuilder, TableFormat};
use super::xls_guard::check_xls;
use super::zip_limits::{ZipKind, inspect_zip};
use crate::export::xlsx::CellHasher;
use crate::progress::{Progress, Stage};

/// Whether a sheet shows in the spreadsheet program's sheet tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetVisibility {
    /// Shown.
    Visible,
    /// Hidden; the user can unhide it.
    Hidden,
    /// Hidden so that only a macro or another program can unhide it (xlsx and xls only; ods
    /// has no such state and LibreOffice saves it as merely hidden).
    VeryHidden,
}

impl From<SheetVisible> for SheetVisibility {
    fn from(v: SheetVisible) -> Self {
        match v {
            SheetVisible::Visible => SheetVisibility::Visible,
            SheetVisible::Hidden => SheetVisibility::Hidden,
            SheetVisible::VeryHidden => SheetVisibility::VeryHidden,
        }
    }
}

/// A rectangle of merged cells, corners included: rows 1-based (as [`Row::number`]), columns
/// 0-based (A = 0). Spreadsheet programs keep a merged range's value in its top-left cell only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergedCells {
    /// Top row, 1-based.
    pub first_row: usize,
    /// Left column, 0-based.
    pub first_col: usize,
    /// Bottom row, 1-based.
    pub last_row: usize,
    /// Right column, 0-based.
    pub last_col: usize,
}

impl MergedCells {
    /// Whether the range covers the cell at 1-based `row`, 0-based `col`.
    pub fn contains(&self, row: usize, col: usize) -> bool {
        (self.first_row..=self.last_row).contains(&row)
            && (self.first_col..=self.last_col).contains(&col)
    }

    fn from_dimensions(d: &Dimensions) -> MergedCells {
        let (r0, c0) = d.start;
        let (r1, c1) = d.end;
        MergedCells {
            first_row: r0 as usize + 1,
            first_col: c0 as usize,
            last_row: r1 as usize + 1,
            last_col: c1 as usize,
        }
    }
}

impl fmt::Display for MergedCells {
    /// `H5:H7`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            cell_address(self.first_row, self.first_col),
            cell_address(self.last_row, self.last_col)
        )
    }
}

/// What a spreadsheet file holds, sheet by sheet: its format, its date system and every sheet's
/// name and visibility, in workbook order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpreadsheetFile {
    /// xlsx, xls or ods, sniffed from the bytes.
    pub format: TableFormat,
    /// True when the workbook uses the 1904 date system (xlsx and xls). Dates in
    /// [`super::CellValue::Date`] are already resolved; this matters only for date serials stored as
    /// plain numbers.
    pub date1904: bool,
    /// Every sheet's name and visibility, in workbook order (chart sheets included).
    pub sheets: Vec<(String, SheetVisibility)>,
}

/// One sheet of a spreadsheet file, as handed to the caller of [`read_sheets`].
#[derive(Debug, Clone, PartialEq)]
pub struct SheetContent {
    /// The sheet's name as in the file.
    pub name: String,
    /// Its visibility.
    pub visibility: SheetVisibility,
    /// False for a chart sheet or another sheet without cells (its rows are empty).
    pub worksheet: bool,
    /// The rows holding at least one value, in row order (as [`super::Table::rows`]).
    pub rows: Vec<Row>,
    /// Formula cells whose cached value is missing or blank, as (1-based row, 0-based column),
    /// in row order: a formula is never evaluated, so such a cell reads as empty.
    pub formula_blanks: Vec<(usize, usize)>,
    /// The merged ranges of the sheet, in file order.
    pub merged: Vec<MergedCells>,
    /// xlsx only: the SHA-256 (hex) of the sheet's canonical cell text, computed as `export xlsx`
    /// computes `sha256:<sheet>` of `_medsec`, with the [`HashStamp`] cells left out. `None` for
    /// xls and ods, which store numbers and dates differently.
    pub sha256: Option<String>,
}

impl SheetContent {
    /// The last 1-based row number holding a value (0 for a sheet without values).
    pub fn last_row(&self) -> usize {
        self.rows.last().map_or(0, |r| r.number)
    }
}

/// Cells left out of a sheet's hash (the stamps of an export, which change on every export
/// while the data does not): in sheet `sheet`, column `value_col` of every row whose column
/// `key_col` holds one of `keys` exactly. `key_col` must be left of `value_col`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashStamp {
    /// The sheet's name.
    pub sheet: &'static str,
    /// The column (0-based) holding the row's key.
    pub key_col: u16,
    /// The keys whose row's value is a stamp.
    pub keys: &'static [&'static str],
    /// The column (0-based) of the stamp.
    pub value_col: u16,
}

/// Reads every sheet of the spreadsheet at `path` under the input checks of `limits`, handing
/// each to `visit` in workbook order. Reports [`Stage::Reading`] in bytes to `progress`, then
/// [`Stage::Parsing`] (no units).
///
/// Errors: [`SheetError`] — unreadable, empty, too large, not a spreadsheet workbook (CSV and
/// other files: [`SheetError::NotAWorkbook`]), damaged, refused by an input limit, a cell too
/// long or out of bounds (naming the sheet and cell), a workbook without a worksheet.
pub fn read_sheets(
    path: &Path,
    limits: &Limits,
    stamps: &[HashStamp],
    progress: &mut dyn Progress,
    visit: &mut dyn FnMut(SheetContent),
) -> Result<SpreadsheetFile, SheetError> {
    let bytes = super::read_file(path, limits, progress)?;
    progress.stage(Stage::Parsing);
    read_sheets_from_bytes(&bytes, path, limits, stamps, visit)
}

/// [`read_sheets`] on bytes already in memory; `path` only names the source in messages.
///
/// Errors: as [`read_sheets`].
pub fn read_sheets_from_bytes(
    bytes: &[u8],
    path: &Path,
    limits: &Limits,
    stamps: &[HashStamp],
    visit: &mut dyn FnMut(SheetContent),
) -> Result<SpreadsheetFile, SheetError> {
    if bytes.is_empty() {
        return Err(SheetError::Empty {
            path: path.to_path_buf(),
        });
    }
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(SheetError::too_large(path, limits));
    }
    let ctx = Ctx { path, limits };
    let not_a_workbook = |what: String| SheetError::NotAWorkbook {
        path: path.to_path_buf(),
        what,
    };
    if bytes.starts_with(ZIP_MAGIC) {
        let facts = guarded(&ctx, "a zip-based spreadsheet (xlsx or ods)", || {
            inspect_zip(bytes, &ctx)
        })?;
        match facts.kind {
            ZipKind::Xlsx => guarded(&ctx, "xlsx", || {
                read_xlsx(bytes, &ctx, facts.xlsx_merged, stamps, visit)
            }),
            ZipKind::Ods => guarded(&ctx, "ods", || {
                read_ods(bytes, &ctx, facts.ods_merged, visit)
            }),
        }
    } else if bytes.starts_with(ZIP_EMPTY_MAGIC) {
        Err(ctx.not_a_table("an empty zip archive"))
    } else if bytes.starts_with(OLE2_MAGIC) {
        guarded(&ctx, "xls", || read_xls(bytes, &ctx, visit))
    } else {
        let head = bytes.get(..bytes.len().min(1 << 20)).unwrap_or(bytes);
        let text = String::from_utf8_lossy(head);
        let what = match binary_kind(bytes, &text) {
            // An `export json` file given to `import workbook`.
            Some(kind) if kind.contains("JSON") => {
                format!("{kind} (for an `export json` file, use `medsec import json`)")
            }
            Some(kind) => kind,
            None => "plain or delimited text (CSV)".to_string(),
        };
        Err(not_a_workbook(what))
    }
}

/// Fails when the workbook has no worksheet at all.
fn require_worksheet(ctx: &Ctx<'_>, metadata: &[calamine::Sheet]) -> Result<(), SheetError> {
    if metadata.iter().any(|s| s.typ == SheetType::WorkSheet) {
        Ok(())
    } else {
        Err(SheetError::NoSheets {
            path: ctx.path.to_path_buf(),
        })
    }
}

fn file_info(format: TableFormat, date1904: bool, metadata: &[calamine::Sheet]) -> SpreadsheetFile {
    SpreadsheetFile {
        format,
        date1904,
        sheets: metadata
            .iter()
            .map(|s| (s.name.clone(), s.visible.into()))
            .collect(),
    }
}

/// A sheet without cells (a chart sheet).
fn no_cells(sheet: &calamine::Sheet) -> SheetContent {
    SheetContent {
        name: sheet.name.clone(),
        visibility: sheet.visible.into(),
        worksheet: false,
        rows: Vec::new(),
        formula_blanks: Vec::new(),
        merged: Vec::new(),
        sha256: None,
    }
}

fn read_xlsx(
    bytes: &[u8],
    ctx: &Ctx<'_>,
    mut merged_by_sheet: HashMap<String, Vec<MergedCells>>,
    stamps: &[HashStamp],
    visit: &mut dyn FnMut(SheetContent),
) -> Result<SpreadsheetFile, SheetError> {
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ctx.damaged("xlsx", e))?;
    let metadata = workbook.sheets_metadata().to_vec();
    require_worksheet(ctx, &metadata)?;
    let info = file_info(TableFormat::Xlsx, workbook.has_1904_epoch(), &metadata);
    for sheet in &metadata {
        if sheet.typ != SheetType::WorkSheet {
            visit(no_cells(sheet));
            continue;
        }
        let name = &sheet.name;
        let damaged =
            |e: calamine::XlsxError| ctx.damaged("xlsx", format!("sheet \"{name}\": {e}"));
        // Collected by the input checks; calamine parses the sheet again for a sheet whose
        // part they could not place.
        let merged = match merged_by_sheet.remove(name) {
            Some(merged) => merged,
            None => workbook
                .merge_cells_by_sheet_name(name)
                .map_err(damaged)?
                .iter()
                .map(MergedCells::from_dimensions)
                .collect(),
        };
        let stamp = stamps.iter().find(|s| s.sheet == name.as_str());
        let mut builder = RowsBuilder::for_sheet(ctx, name);
        let mut hasher = CellHasher::default();
        // The row whose key cell names a stamp (see `HashStamp`).
        let mut stamp_row: Option<u32> = None;
        let mut formula_blanks = Vec::new();
        let mut cells = workbook.worksheet_cells_reader(name).map_err(damaged)?;
        loop {
            let cell = match cells.next_cell_with_formula_metadata() {
                Ok(Some(cell)) => cell,
                Ok(None) => break,
                Err(
                    calamine::XlsxError::RowNumberOverflow
                    | calamine::XlsxError::ColumnNumberOverflow,
                ) => {
                    return Err(ctx.out_of_bounds(format!("sheet \"{name}\": a cell")));
                }
                Err(e) => return Err(damaged(e)),
            };
            let (row, col) = cell.pos;
            let col16 = u16::try_from(col).unwrap_or(u16::MAX);
            let canonical = crate::export::canonical_cell_text(&cell.value);
            if let Some(text) = &canonical {
                let is_stamp = stamp.is_some_and(|s| {
                    if col16 == s.key_col {
                        stamp_row = s.keys.contains(&text.as_ref()).then_some(row);
                        false
                    } else {
                        col16 == s.value_col && stamp_row == Some(row)
                    }
                });
                if !is_stamp {
                    hasher.add(row, col16, text);
                }
            }
            let value = from_data_ref(&cell.value);
            if cell.formula.is_some() && value.is_blank() {
                formula_blanks.push((row as usize + 1, col as usize));
            }
            builder.push(row as usize + 1, col as usize, value)?;
        }
        visit(SheetContent {
            name: name.clone(),
            visibility: sheet.visible.into(),
            worksheet: true,
            rows: builder.finish(),
            formula_blanks,
            merged,
            sha256: Some(hasher.finish()),
        });
    }
    Ok(info)
}

fn read_ods(
    bytes: &[u8],
    ctx: &Ctx<'_>,
    mut merged: Vec<(String, MergedCells)>,
    visit: &mut dyn FnMut(SheetContent),
) -> Result<SpreadsheetFile, SheetError> {
    let mut workbook: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(|e| ctx.damaged("ods", e))?;
    let metadata = workbook.sheets_metadata().to_vec();
    require_worksheet(ctx, &metadata)?;
    let info = file_info(TableFormat::Ods, false, &metadata);
    for sheet in &metadata {
        if sheet.typ != SheetType::WorkSheet {
            visit(no_cells(sheet));
            continue;
        }
        let name = &sheet.name;
        let damaged = |e: calamine::OdsError| ctx.damaged("ods", format!("sheet \"{name}\": {e}"));
        let range = workbook.worksheet_range(name).map_err(damaged)?;
        let rows = rows_from_range(ctx, name, &range)?;
        drop(range);
        let formulas = workbook.worksheet_formula(name).map_err(damaged)?;
        let formula_blanks = formula_blanks(&formulas, &rows);
        let (mine, rest): (Vec<_>, Vec<_>) = merged.into_iter().partition(|(s, _)| s == name);
        merged = rest;
        visit(SheetContent {
            name: name.clone(),
            visibility: sheet.visible.into(),
            worksheet: true,
            rows,
            formula_blanks,
            merged: mine.into_iter().map(|(_, m)| m).collect(),
            sha256: None,
        });
    }
    Ok(info)
}

fn read_xls(
    bytes: &[u8],
    ctx: &Ctx<'_>,
    visit: &mut dyn FnMut(SheetContent),
) -> Result<SpreadsheetFile, SheetError> {
    check_xls(bytes, ctx)?;
    let mut workbook: Xls<_> = match Xls::new(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(e) => return Err(explain_ole2(bytes, ctx, e)),
    };
    let metadata = workbook.sheets_metadata().to_vec();
    require_worksheet(ctx, &metadata)?;
    let info = file_info(TableFormat::Xls, workbook.has_1904_epoch(), &metadata);
    for sheet in &metadata {
        if sheet.typ != SheetType::WorkSheet {
            visit(no_cells(sheet));
            continue;
        }
        let name = &sheet.name;
        let damaged = |e: calamine::XlsError| ctx.damaged("xls", format!("sheet \"{name}\": {e}"));
        let range = workbook.worksheet_range(name).map_err(damaged)?;
        let rows = rows_from_range(ctx, name, &range)?;
        drop(range);
        let formulas = workbook.worksheet_formula(name).map_err(damaged)?;
        let formula_blanks = formula_blanks(&formulas, &rows);
        let merged = workbook
            .merge_cells_by_sheet_name(name)
            .map_err(damaged)?
            .iter()
            .map(MergedCells::from_dimensions)
            .collect();
        visit(SheetContent {
            name: name.clone(),
            visibility: sheet.visible.into(),
            worksheet: true,
            rows,
            formula_blanks,
            merged,
            sha256: None,
        });
    }
    Ok(info)
}

fn rows_from_range(
    ctx: &Ctx<'_>,
    sheet: &str,
    range: &calamine::Range<Data>,
) -> Result<Vec<Row>, SheetError> {
    let mut builder = RowsBuilder::for_sheet(ctx, sheet);
    let (row0, col0) = range.start().unwrap_or((0, 0));
    for (r, c, value) in range.used_cells() {
        builder.push(r + row0 as usize + 1, c + col0 as usize, from_data(value))?;
    }
    Ok(builder.finish())
}

/// The formula cells of `formulas` whose value in `rows` is blank, in row order.
fn formula_blanks(formulas: &calamine::Range<String>, rows: &[Row]) -> Vec<(usize, usize)> {
    let (row0, col0) = formulas.start().unwrap_or((0, 0));
    let blank_at = |row: usize, col: usize| match rows.binary_search_by_key(&row, |r| r.number) {
        Ok(i) => rows.get(i).is_none_or(|r| r.get(col).is_blank()),
        Err(_) => true,
    };
    let mut out: Vec<(usize, usize)> = formulas
        .used_cells()
        .filter(|(_, _, f)| !f.trim().is_empty())
        .map(|(r, c, _)| (r + row0 as usize + 1, c + col0 as usize))
        .filter(|&(row, col)| blank_at(row, col))
        .collect();
    out.sort_unstable();
    out
}
