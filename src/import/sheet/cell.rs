//! One cell's value and its canonical text, and cell addresses (`K12`).

use std::fmt;

use chrono::{NaiveDateTime, NaiveTime};

/// Digits a spreadsheet keeps in a number; longer integers stored as numbers lose digits.
const SPREADSHEET_DIGITS: u32 = 15;

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

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
}
