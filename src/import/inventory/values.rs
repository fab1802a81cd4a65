//! One cell → a field's canonical value: spreadsheet dates and date serials, foreign yes/no
//! words, and placeholders (`N/A`, `No tiene`, ...) read as empty.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use super::recognise::normalize_header;
use crate::device::fields::{self, FieldDef, FieldError, FieldKind};
use crate::import::sheet::CellValue;

/// Values that mean "no value" (compared after [`normalize_header`]; an empty result is
/// punctuation only, such as `-`, `—`, `?` or `/`).
const PLACEHOLDERS: &[&str] = &[
    "",
    "n a",
    "na",
    "n i",
    "ni",
    "n t",
    "nt",
    "n d",
    "nd",
    "s n",
    "none",
    "null",
    "nil",
    "unknown",
    "unk",
    "tbd",
    "no tiene",
    "no aplica",
    "no informa",
    "no disponible",
    "no registra",
    "sin dato",
    "sin datos",
    "sin informacion",
    "sin serie",
    "sin numero",
    "desconocido",
    "pendiente",
    "por definir",
    "nao informado",
    "inconnu",
    "unbekannt",
    "keine",
    "k a",
];

/// Words read as Yes / No / Unknown in yes/no fields when the value is not already one of them.
const YES_WORDS: &[&str] = &["y", "si", "s", "ja", "j", "oui", "sim", "true", "1", "x"];
const NO_WORDS: &[&str] = &["n", "no", "nein", "non", "nao", "false", "0"];
const UNKNOWN_WORDS: &[&str] = &["desconocido", "unbekannt", "inconnu", "desconhecido", "?"];

/// Fields whose values identify a device on re-import: placeholders never count as values.
const IDENTIFIERS: &[&str] = &["asset_tag", "serial_number", "udi_di"];

/// The canonical value of a cell for a field (`date1904`: the workbook's date system):
/// `Ok(None)` for a placeholder read as empty, `Err(reason)` when it does not fit.
pub(super) fn field_value(
    def: &FieldDef,
    cell: &CellValue,
    date1904: bool,
) -> Result<Option<String>, String> {
    let text = match (cell, def.kind) {
        (CellValue::Error(e), _) => {
            return Err(format!("the cell holds the spreadsheet error {e}"));
        }
        (CellValue::Date(t), FieldKind::Date | FieldKind::DateTime) => date_text(def.kind, *t),
        (CellValue::Int(_) | CellValue::Float(_), FieldKind::Date | FieldKind::DateTime) => {
            let n = match cell {
                CellValue::Int(i) => *i as f64,
                CellValue::Float(f) => *f,
                _ => 0.0,
            };
            date_text(def.kind, serial_to_datetime(n, date1904)?)
        }
        _ => cell.to_text(),
    };
    let trimmed = fields::clean_text(&text).trim().to_string();
    let placeholder = PLACEHOLDERS.contains(&normalize_header(&trimmed).as_str());
    if IDENTIFIERS.contains(&def.key) && placeholder {
        return Ok(None);
    }
    let error = match def.normalize(&trimmed) {
        Ok(v) if v.is_empty() => return Ok(None),
        Ok(v) => return Ok(Some(v)),
        Err(e) => e,
    };
    if let Some(word) = yes_no_word(def, &trimmed)
        && let Ok(v) = def.normalize(word)
    {
        return Ok(Some(v));
    }
    if placeholder {
        return Ok(None);
    }
    Err(match error {
        FieldError::Invalid {
            value, expected, ..
        } => {
            let year_only = def.kind == FieldKind::Date
                && value.len() == 4
                && value.chars().all(|c| c.is_ascii_digit());
            if year_only {
                format!("{value:?} is a year only, not {expected}")
            } else {
                format!("{value:?} is not {expected}")
            }
        }
        other => other.to_string(),
    })
}

/// A date for a date field (`YYYY-MM-DD`) or a date-time field (`YYYY-MM-DD HH:MM:SS`).
fn date_text(kind: FieldKind, t: NaiveDateTime) -> String {
    if kind == FieldKind::Date {
        t.format("%Y-%m-%d").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// A spreadsheet date serial stored as a plain number → a date-time. A whole number that looks
/// like a year (1000–9999) is refused: it is a year, not a date.
fn serial_to_datetime(n: f64, date1904: bool) -> Result<NaiveDateTime, String> {
    let shown = CellValue::Float(n).to_text();
    if n.fract() == 0.0 && (1000.0..=9999.0).contains(&n) {
        return Err(format!(
            "{shown} is a year only, not a date (YYYY-MM-DD or DD/MM/YYYY)"
        ));
    }
    if !(10_000.0..2_958_466.0).contains(&n) {
        return Err(format!(
            "{shown} is a number, not a date (YYYY-MM-DD or DD/MM/YYYY)"
        ));
    }
    let epoch = if date1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30)
    };
    let secs = (n * 86_400.0).round() as i64;
    epoch
        .map(|d| d.and_time(chrono::NaiveTime::MIN))
        .and_then(|t| t.checked_add_signed(TimeDelta::seconds(secs)))
        .ok_or_else(|| format!("{shown} is not a date"))
}

/// For yes/no fields: the list word a foreign or boolean spelling stands for.
fn yes_no_word(def: &FieldDef, text: &str) -> Option<&'static str> {
    let list = match def.kind {
        FieldKind::List(list) if list.contains(&"Yes") && list.contains(&"No") => list,
        _ => return None,
    };
    let norm = normalize_header(text);
    let word = if YES_WORDS.contains(&norm.as_str()) {
        "Yes"
    } else if NO_WORDS.contains(&norm.as_str()) {
        "No"
    } else if UNKNOWN_WORDS.contains(&norm.as_str()) || UNKNOWN_WORDS.contains(&text.trim()) {
        "Unknown"
    } else {
        return None;
    };
    list.contains(&word).then_some(word)
}

#[cfg(test)]
mod tests {
    use crate::import::inventory::tests::{csv, extra, value};
    use crate::import::inventory::{InventoryOptions, read_inventory};
    use crate::import::sheet::fixtures::{TestResult, write_temp};

    #[test]
    fn invalid_values_reject_the_row_with_line_and_reason() -> TestResult {
        let text = "Name,IP Address,Install Date,PHI Stored,Category\nPump,10.0.0.300,2024-01-02,Sí,Infusion pump\nMonitor,10.0.0.7,31/12/2023,no,patient MONITOR\n,,,,\nScanner,10.0.0.8,next week,maybe,Toaster\n";
        let inv = csv(text.as_bytes(), &InventoryOptions::default())?;
        assert_eq!(inv.rows.len(), 1);
        let ok = inv.rows.first().ok_or("no row")?;
        assert_eq!(ok.line, 3);
        assert_eq!(value(ok, "install_date"), Some("2023-12-31"));
        assert_eq!(value(ok, "phi_stored"), Some("No"));
        assert_eq!(value(ok, "category"), Some("Patient monitor"));
        let first = inv.rejected.first().ok_or("no reject")?;
        assert_eq!(first.line, 2);
        assert_eq!(first.cell, None);
        assert!(
            first.reason.contains(
                "column B \"IP Address\" (ip_addresses): \"10.0.0.300\" is not IPv4 or IPv6"
            ),
            "{}",
            first.reason
        );
        let last = inv.rejected.get(1).ok_or("no second reject")?;
        assert_eq!(last.line, 5);
        assert!(last.reason.contains("\"next week\""), "{}", last.reason);
        assert!(last.reason.contains("\"maybe\""), "{}", last.reason);
        assert!(last.reason.contains("\"Toaster\""), "{}", last.reason);
        Ok(())
    }

    #[test]
    fn xlsx_numbers_dates_and_extras() -> TestResult {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        let s = workbook.add_worksheet();
        s.write_string(0, 0, "Equipment inventory")?;
        s.merge_range(1, 0, 1, 4, "GENERAL", &rust_xlsxwriter::Format::new())?;
        for (c, h) in [
            "Device Name",
            "Serial No",
            "Install Date",
            "Warranty End",
            "Cost",
        ]
        .iter()
        .enumerate()
        {
            s.write_string(3, c as u16, *h)?;
        }
        s.write_string(4, 0, "Evita")?;
        s.write_number(4, 1, 1_020_313_061_616.0)?;
        s.write_number_with_format(4, 2, 45000.0, &date)?;
        s.write_number(4, 3, 45500.0)?; // a date serial without a date format
        s.write_number(4, 4, 1234.5)?;
        s.write_string(5, 0, "Infusomat")?;
        s.write_number(5, 1, 1_010_101_000_302_200_000.0)?;
        s.write_string(5, 2, "2021")?;
        let bytes = workbook.save_to_buffer()?;
        let file = write_temp(&bytes, ".xlsx")?;
        let inv = read_inventory(file.path(), &InventoryOptions::default())?;
        assert_eq!(inv.header_row, 4);
        let row = inv.rows.first().ok_or("no row")?;
        assert_eq!(value(row, "serial_number"), Some("1020313061616"));
        assert_eq!(value(row, "install_date"), Some("2023-03-15"));
        assert_eq!(value(row, "service_contract_end"), Some("2024-07-27"));
        assert_eq!(extra(row, "Cost"), Some("1234.5"));
        let rejected = inv.rejected.first().ok_or("no reject")?;
        assert_eq!(rejected.line, 6);
        assert_eq!(rejected.cell.as_deref(), Some("C6"));
        assert!(
            rejected.reason.contains("\"2021\" is a year only"),
            "{}",
            rejected.reason
        );
        assert!(
            inv.warnings
                .iter()
                .any(|w| w.starts_with("B6: 1010101000302200000 has more than 15 digits")),
            "{:#?}",
            inv.warnings
        );
        Ok(())
    }
}
