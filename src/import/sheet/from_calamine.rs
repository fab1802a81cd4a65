//! calamine's cell values → [`CellValue`]: empty text dropped, spreadsheet dates resolved,
//! time-only values and durations as text, ISO 8601 strings as dates.

use calamine::{Data, DataRef, ExcelDateTime};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};

use super::cell::CellValue;

pub(super) fn from_data_ref(value: &DataRef<'_>) -> CellValue {
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

pub(super) fn from_data(value: &Data) -> CellValue {
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::import::sheet::fixtures::{TestResult, rewrite_zip, xlsx_bytes};
    use crate::import::sheet::{Limits, read_table_from_bytes};

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
}
