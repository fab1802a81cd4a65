//! The cell layer of the export: typed values, the shared formats, and a row-by-row sheet writer
//! that works in rust_xlsxwriter's `constant_memory` mode and records, for every sheet, its row
//! count, a SHA-256 of its cells and a few sample cells for the read-back check.
//!
//! Every value goes through [`Value`]: text is always written with `write_string*` (so text that
//! starts with `=`, `+`, `-` or `@` stays text), cleaned of XML-illegal characters and with line
//! ends normalised to `\n`; only [`Value::Formula`] writes a formula, and its text is ours.
//!
//! # Canonical cell text (the `sha256:<sheet>` of `_medsec`)
//! The hash runs over the non-empty cells of a sheet in row-major order (rows top to bottom,
//! columns left to right). Each cell contributes `<A1 reference>\t<byte length>\t<text>\n`, where
//! the text is: for a string, the string; for a number, a date or a time, the Excel serial
//! number in the shortest decimal form that reads back to the same double (`3`, `0.75`,
//! `46000.5`); for a boolean `TRUE`/`FALSE`; for a formula, its cached result by the same rules.
//! Empty cells and empty strings contribute nothing. Stamp cells (`Generated at (UTC)` and
//! `App version` on `Cover`) are left out. A reader can therefore recompute the hash from the
//! cached values alone, without evaluating a formula.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, column_number_to_name};

mod canonical;
mod writer;

pub use canonical::{CellHasher, number_text};
pub use writer::{SheetRecord, SheetWriter};

use crate::catalog::Catalog;
use crate::device::fields::clean_text;
use crate::export::layout::ListId;
use crate::risk::RiskLevel;

/// Excel's last row index (0-based): 1,048,576 rows.
pub const MAX_ROW: u32 = 1_048_575;
/// Excel's cell text limit in UTF-16 units.
const MAX_TEXT_UTF16: usize = 32_767;

/// A cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Nothing (a grey blank in read-only columns is left to the column format).
    Empty,
    /// Text, written as a string whatever it starts with.
    Text(Cow<'a, str>),
    /// A number.
    Number(f64),
    /// A calendar date (shown `yyyy-mm-dd`).
    Date(NaiveDate),
    /// A date and time (shown `yyyy-mm-dd hh:mm:ss`, UTC).
    DateTime(NaiveDateTime),
    /// A formula (our own text, with or without the leading `=`) and its cached result.
    Formula(String, Cached),
}

/// The cached result of a formula.
#[derive(Debug, Clone, PartialEq)]
pub enum Cached {
    /// `""` (the formula's blank guard).
    Blank,
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
}

impl<'a> Value<'a> {
    /// Text borrowed from the caller.
    pub fn text(s: &'a str) -> Value<'a> {
        Value::Text(Cow::Borrowed(s))
    }

    /// Owned text.
    pub fn string(s: String) -> Value<'a> {
        Value::Text(Cow::Owned(s))
    }

    /// A number, or empty for `None`.
    pub fn opt_number(n: Option<impl Into<f64>>) -> Value<'a> {
        n.map_or(Value::Empty, |n| Value::Number(n.into()))
    }

    /// A date, or empty for `None`.
    pub fn opt_date(d: Option<NaiveDate>) -> Value<'a> {
        d.map_or(Value::Empty, Value::Date)
    }
}

/// How a cell looks beyond what its value and column decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// By value kind (dates as dates) and column (grey when read-only).
    Auto,
    /// Bold header.
    Header,
    /// Bold text.
    Bold,
    /// A fraction shown as a percentage.
    Percent,
    /// Filled with a risk level's colours (TEMPLATE.md "Risk Matrix").
    Level(RiskLevel),
    /// The confidentiality marking (bold, dark red).
    Marking,
}

/// One cell of a row: column (0-based), value, look.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell<'a> {
    /// Column, 0-based.
    pub col: u16,
    /// Value.
    pub value: Value<'a>,
    /// Look.
    pub look: Look,
}

impl<'a> Cell<'a> {
    /// A cell with the automatic look.
    pub fn new(col: u16, value: Value<'a>) -> Cell<'a> {
        Cell {
            col,
            value,
            look: Look::Auto,
        }
    }

    /// A cell with a given look.
    pub fn with(col: u16, value: Value<'a>, look: Look) -> Cell<'a> {
        Cell { col, value, look }
    }
}

/// The formats shared by every sheet.
pub struct Styles {
    header: Format,
    bold: Format,
    marking: Format,
    grey: Format,
    date: [Format; 2],
    datetime: [Format; 2],
    percent: [Format; 2],
    levels: [Format; 5],
    list_lens: Vec<usize>,
}

/// Fill of read-only cells.
const GREY: u32 = 0xEDEDED;

impl Styles {
    /// Builds the formats; `catalog` gives the length of the step list.
    pub fn new(catalog: &Catalog) -> Styles {
        let pair = |num: &str| {
            let f = Format::new().set_num_format(num);
            [f.clone(), f.set_background_color(Color::RGB(GREY))]
        };
        Styles {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border_bottom(FormatBorder::Thin),
            bold: Format::new().set_bold(),
            marking: Format::new()
                .set_bold()
                .set_font_color(Color::RGB(0xC00000)),
            grey: Format::new().set_background_color(Color::RGB(GREY)),
            date: pair("yyyy-mm-dd"),
            datetime: pair("yyyy-mm-dd hh:mm:ss"),
            percent: pair("0.0%"),
            levels: RiskLevel::ALL.map(level_format),
            list_lens: ListId::ALL
                .iter()
                .map(|l| l.values(catalog).len())
                .collect(),
        }
    }

    /// Every format of the export. All are registered with the workbook before the sheets are
    /// written ([`Styles::register`]); a format missing here would break the export's styles.
    fn formats(&self) -> impl Iterator<Item = &Format> {
        [&self.header, &self.bold, &self.marking, &self.grey]
            .into_iter()
            .chain(&self.date)
            .chain(&self.datetime)
            .chain(&self.percent)
            .chain(&self.levels)
    }

    /// Gives every format its index in `book` before any sheet is written. The sheets are
    /// written on two threads, and rust_xlsxwriter 0.102 numbers a format on its first use
    /// with a check-then-insert that is not atomic: two threads meeting a new format at once can
    /// both number it, leaving a hole in the numbering that shifts every later style (numbers
    /// shown as dates, dates as numbers). Once registered, a format is only ever looked up.
    pub fn register(&self, book: &mut rust_xlsxwriter::Workbook) {
        for format in self.formats() {
            book.register_format(format);
        }
    }

    fn level(&self, level: RiskLevel) -> &Format {
        let i = RiskLevel::ALL.iter().position(|l| *l == level).unwrap_or(0);
        &self.levels[i]
    }
}

/// Fill and font of a risk level.
pub fn level_format(level: RiskLevel) -> Format {
    let (fill, text) = level.colours();
    Format::new()
        .set_background_color(Color::RGB(fill))
        .set_font_color(Color::RGB(text))
}

/// Cleans text for a cell: XML-illegal characters removed (`clean_text`), line ends as `\n`.
/// Borrows when nothing needs changing (the common case).
pub fn clean_cell_text(text: &str) -> Cow<'_, str> {
    let needs_work = text.chars().any(|c| {
        (c.is_control() && c != '\t' && c != '\n') || matches!(c, '\u{fffe}' | '\u{ffff}')
    });
    if !needs_work {
        return Cow::Borrowed(text);
    }
    let cleaned = clean_text(text);
    Cow::Owned(if cleaned.contains('\r') {
        cleaned.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        cleaned
    })
}

/// A date (and time) as an Excel date, or `None` outside Excel's range (years 1900–9999).
fn excel_date(date: NaiveDate, time: Option<NaiveDateTime>) -> Option<ExcelDateTime> {
    use chrono::Datelike;
    let y = u16::try_from(date.year()).ok()?;
    let m = u8::try_from(date.month()).ok()?;
    let d = u8::try_from(date.day()).ok()?;
    let day = ExcelDateTime::from_ymd(y, m, d).ok()?;
    match time {
        None => Some(day),
        Some(t) => {
            let h = u16::try_from(t.hour()).ok()?;
            let min = u8::try_from(t.minute()).ok()?;
            day.and_hms(h, min, f64::from(t.second())).ok()
        }
    }
}

/// An A1 reference, e.g. `AG12`.
pub fn cell_ref(row: u32, col: u16) -> String {
    format!("{}{}", column_number_to_name(col), row + 1)
}

/// `'Sheet Name'!` for formulas.
pub fn sheet_prefix(name: &str) -> String {
    format!("'{}'!", name.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_numbers_read_back_the_same() {
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(0.75), "0.75");
        assert_eq!(number_text(-0.0), "0");
        let third = 2.0 / 3.0;
        assert_eq!(number_text(third).parse::<f64>().ok(), Some(third));
    }

    #[test]
    fn cell_text_is_cleaned_and_line_ends_normalised() {
        assert_eq!(clean_cell_text("a\u{b}b\r\nc\rd"), "ab\nc\nd");
        assert_eq!(cell_ref(0, 32), "AG1");
        assert_eq!(sheet_prefix("O'Brien"), "'O''Brien'!");
    }

    #[test]
    fn dates_outside_excel_range_are_not_dates() {
        let d = NaiveDate::from_ymd_opt(1850, 1, 1);
        assert!(d.and_then(|d| excel_date(d, None)).is_none());
        let d = NaiveDate::from_ymd_opt(2026, 11, 29);
        assert_eq!(
            d.and_then(|d| excel_date(d, None)).map(|d| d.to_excel()),
            Some(46355.0)
        );
    }
}
