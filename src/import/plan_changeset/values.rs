//! Reading one value of a filled copy: list values case-insensitively after trimming, dates as
//! `YYYY-MM-DD`, day/month/year text or ISO date-times, 1–5 scales as `3` or `3.0`, free text
//! cleaned of XML-illegal characters, trimmed and limited to 32,767 UTF-16 units (TEMPLATE.md
//! "Reading a filled copy back"). Each reader returns the value, or the reason it is refused in
//! words that name the value (the caller adds the cell).
//!
//! Also the text of a cell as the export writes it ([`cell_text`]) and the comparison that says
//! whether a derived cell still holds it ([`same_cell`]).

use chrono::NaiveDate;

use crate::assessment::{AnswerSource, NOTE_LIMIT_UTF16, Response};
use crate::device::fields::{FieldDef, FieldKind, IMPACT_SCALE, clean_text, parse_date};
use crate::export::xlsx::{Cached, Value as CellValue, number_text};
use crate::import::changeset::Value;
use crate::risk::{RiskLevel, RiskStatus, Treatment};

/// At most this many characters of a refused value are quoted in a message.
const QUOTE_CHARS: usize = 40;

/// A value quoted for a message: `"Maybe"`, long ones clipped with `…`.
pub(super) fn quote(text: &str) -> String {
    let t = text.trim();
    if t.chars().count() <= QUOTE_CHARS {
        format!("{t:?}")
    } else {
        let clipped: String = t.chars().take(QUOTE_CHARS - 1).collect();
        format!("{:?}", format!("{clipped}…"))
    }
}

/// Free text as stored: XML-illegal characters removed, line ends as `\n`, surrounding white
/// space trimmed.
pub(super) fn normal_text(text: &str) -> String {
    let cleaned = clean_text(text);
    let unix = if cleaned.contains('\r') {
        cleaned.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        cleaned
    };
    unix.trim().to_string()
}

/// Free text ([`normal_text`]); refused over 32,767 UTF-16 units (a spreadsheet cell).
pub(super) fn text(v: &Value, name: &str) -> Result<String, String> {
    let t = normal_text(&v.text);
    let units = t.encode_utf16().count();
    if units > NOTE_LIMIT_UTF16 {
        return Err(format!(
            "the {name} is {units} UTF-16 units long; the limit is {NOTE_LIMIT_UTF16} (a spreadsheet cell)"
        ));
    }
    Ok(t)
}

/// A response: Yes, Partial, No, N/A, Unknown (any case), or blank (`None`).
pub(super) fn response(v: &Value) -> Result<Option<Response>, String> {
    if v.is_blank() {
        return Ok(None);
    }
    Response::parse(v.trimmed()).map(Some).ok_or_else(|| {
        format!(
            "{} is not a response (Yes, Partial, No, N/A, Unknown)",
            quote(&v.text)
        )
    })
}

/// An answer source (Observed, Interview, …), or blank (`None`).
pub(super) fn source(v: &Value) -> Result<Option<AnswerSource>, String> {
    if v.is_blank() {
        return Ok(None);
    }
    AnswerSource::parse(v.trimmed()).map(Some).ok_or_else(|| {
        let all: Vec<&str> = AnswerSource::ALL.iter().map(|s| s.label()).collect();
        format!(
            "{} is not an answer source ({})",
            quote(&v.text),
            all.join(", ")
        )
    })
}

/// A whole number 1–5 written as `3`, `3.0` or `3.00` (a number stored as text too), or blank.
pub(super) fn scale(v: &Value) -> Result<Option<u8>, String> {
    if v.is_blank() {
        return Ok(None);
    }
    scale_number(v.trimmed())
        .map(Some)
        .ok_or_else(|| format!("{} is not a whole number from 1 to 5", quote(&v.text)))
}

/// `3`, `3.0`, ` 3 ` → 3 when a whole number 1–5.
fn scale_number(t: &str) -> Option<u8> {
    let n: f64 = t.trim().parse().ok()?;
    (n.fract() == 0.0 && (1.0..=5.0).contains(&n)).then_some(n as u8)
}

/// A date: `YYYY-MM-DD`, `DD/MM/YYYY` (day first), `DD.MM.YYYY` or an ISO date-time (the date
/// part), years 1900–9999; or blank.
pub(super) fn date(v: &Value) -> Result<Option<NaiveDate>, String> {
    if v.is_blank() {
        return Ok(None);
    }
    parse_date(v.trimmed()).map(Some).ok_or_else(|| {
        format!(
            "{} is not a date (YYYY-MM-DD or DD/MM/YYYY, years 1900–9999)",
            quote(&v.text)
        )
    })
}

/// A warning about dates typed as text whose two numbers could be either day or month
/// (`03/04/2026`): TEMPLATE.md reads them day/month, which a reader used to month/day would not
/// expect. Names how many and the first few cells; `None` when there are none.
pub(super) fn day_month_warning(cs: &crate::import::changeset::Changeset) -> Option<String> {
    let date_fields: Vec<&str> = crate::device::fields::FIELDS
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Date))
        .map(|f| f.key)
        .collect();
    let ambiguous =
        |v: &&Value| is_day_month_ambiguous(v.trimmed()) && parse_date(v.trimmed()).is_some();
    let devices = cs.devices.iter().flat_map(|d| {
        d.fields
            .iter()
            .filter(|(key, _)| date_fields.contains(key))
            .map(|(_, v)| v)
    });
    let answers = cs.answers.iter().filter_map(|a| a.deferred_until.as_ref());
    let risks = cs.risks.iter().flat_map(|r| {
        [
            &r.due_date,
            &r.accepted_on,
            &r.review_date,
            &r.identified_on,
        ]
        .into_iter()
        .filter_map(Option::as_ref)
    });
    let found: Vec<&Value> = devices
        .chain(answers)
        .chain(risks)
        .filter(ambiguous)
        .collect();
    if found.is_empty() {
        return None;
    }
    let examples: Vec<String> = found
        .iter()
        .take(3)
        .filter_map(|v| {
            parse_date(v.trimmed()).map(|d| format!("{} {} = {d}", v.origin, quote(&v.text)))
        })
        .collect();
    Some(format!(
        "{} date(s) typed as text could be read either way and were read day/month ({}{}); check them",
        found.len(),
        examples.join(", "),
        if found.len() > 3 { ", …" } else { "" }
    ))
}

/// Whether `text` is `D/M/YYYY` (or with `.` or `-`) with both numbers 12 or under and
/// different, so that a month/day reading would give another date.
fn is_day_month_ambiguous(text: &str) -> bool {
    let parts: Vec<&str> = text.split(['/', '.', '-']).collect();
    let [a, b, y] = parts.as_slice() else {
        return false;
    };
    if y.len() != 4 || !y.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    match (a.parse::<u32>(), b.parse::<u32>()) {
        (Ok(d), Ok(m)) => d != m && (1..=12).contains(&d) && (1..=12).contains(&m),
        _ => false,
    }
}

/// A treatment (Mitigate, Accept, Transfer, Avoid), or blank.
pub(super) fn treatment(v: &Value) -> Result<Option<Treatment>, String> {
    if v.is_blank() {
        return Ok(None);
    }
    Treatment::parse(v.trimmed()).map(Some).ok_or_else(|| {
        format!(
            "{} is not a treatment (Mitigate, Accept, Transfer, Avoid)",
            quote(&v.text)
        )
    })
}

/// A status (Open, In Progress, Closed), or blank.
pub(super) fn status(v: &Value) -> Result<Option<RiskStatus>, String> {
    if v.is_blank() {
        return Ok(None);
    }
    RiskStatus::parse(v.trimmed()).map(Some).ok_or_else(|| {
        format!(
            "{} is not a status (Open, In Progress, Closed)",
            quote(&v.text)
        )
    })
}

/// A risk level (Very High … Very Low, or VH, H, M, L, VL).
pub(super) fn level(v: &Value) -> Result<RiskLevel, String> {
    RiskLevel::parse_short(v.trimmed()).ok_or_else(|| {
        format!(
            "{} is not a risk level (Very High, High, Moderate, Low, Very Low)",
            quote(&v.text)
        )
    })
}

/// An inventory field in its canonical form ([`FieldDef::normalize`]); a 1–5 scale field also
/// takes `3.0`.
pub(super) fn field(def: &FieldDef, v: &Value) -> Result<String, String> {
    let input = match def.kind {
        FieldKind::List(values) if values == IMPACT_SCALE => match scale_number(v.trimmed()) {
            Some(n) => n.to_string(),
            None => v.text.clone(),
        },
        _ => v.text.clone(),
    };
    def.normalize(&input).map_err(|e| match e {
        crate::device::fields::FieldError::Invalid {
            value, expected, ..
        } => format!("{} is not {expected}", quote(&value)),
        other => other.to_string(),
    })
}

/// The text a cell of the export holds as a reader gives it back: a number as its shortest
/// decimal, a date as `YYYY-MM-DD`, a date-time as `YYYY-MM-DDTHH:MM:SSZ`, a formula as its
/// cached result.
pub(super) fn cell_text(v: &CellValue<'_>) -> String {
    match v {
        CellValue::Empty => String::new(),
        CellValue::Text(t) => t.to_string(),
        CellValue::Number(n) => number_text(*n),
        CellValue::Date(d) => d.format("%Y-%m-%d").to_string(),
        CellValue::DateTime(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        CellValue::Formula(_, cached) => match cached {
            Cached::Blank => String::new(),
            Cached::Number(n) => number_text(*n),
            Cached::Text(t) => t.clone(),
        },
    }
}

/// Whether a cell read from a file still says what the export wrote (`written`): the same text
/// after cleaning and trimming, the same number (to 1e-9), or the same date (a date re-saved as
/// text or as a date-time).
pub(super) fn same_cell(read: &str, written: &str) -> bool {
    let (a, b) = (normal_text(read), normal_text(written));
    if a == b {
        return true;
    }
    if let (Ok(x), Ok(y)) = (a.parse::<f64>(), b.parse::<f64>()) {
        return (x - y).abs() < 1e-9;
    }
    match (parse_date(&a), parse_date(&b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::fields::field as field_def;
    use crate::import::changeset::Origin;

    fn v(t: &str) -> Value {
        Value::new(t, Origin::File)
    }

    #[test]
    fn list_values_ignore_case_and_spaces() {
        assert_eq!(response(&v("  yes ")), Ok(Some(Response::Yes)));
        assert_eq!(response(&v("n/a")), Ok(Some(Response::NotApplicable)));
        assert_eq!(response(&v("   ")), Ok(None));
        assert!(response(&v("Maybe")).is_err_and(|m| m.contains("\"Maybe\"")));
        assert_eq!(source(&v("mds2")), Ok(Some(AnswerSource::Mds2)));
        assert!(source(&v("Email")).is_err_and(|m| m.contains("Observed")));
        assert_eq!(treatment(&v("ACCEPT ")), Ok(Some(Treatment::Accept)));
        assert_eq!(status(&v("in progress")), Ok(Some(RiskStatus::InProgress)));
        assert!(status(&v("Done")).is_err());
        assert_eq!(level(&v("vh")), Ok(RiskLevel::VeryHigh));
        assert_eq!(level(&v("moderate")), Ok(RiskLevel::Moderate));
    }

    #[test]
    fn scales_take_numbers_stored_as_text() {
        assert_eq!(scale(&v("3")), Ok(Some(3)));
        assert_eq!(scale(&v("3.0")), Ok(Some(3)));
        assert_eq!(scale(&v(" 5.00 ")), Ok(Some(5)));
        assert_eq!(scale(&v("")), Ok(None));
        for bad in ["0", "6", "2.5", "high", "3 Moderate"] {
            assert!(scale(&v(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_in_every_accepted_form() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 4);
        assert_eq!(date(&v("2026-03-04")), Ok(d));
        assert_eq!(date(&v("04/03/2026")), Ok(d), "day first");
        assert_eq!(date(&v("2026-03-04T00:00:00Z")), Ok(d));
        assert_eq!(date(&v("2026-03-04T10:15:00")), Ok(d));
        assert_eq!(date(&v(" ")), Ok(None));
        assert!(date(&v("31/02/2026")).is_err());
        assert!(date(&v("1850-01-01")).is_err());
        assert!(date(&v("next week")).is_err_and(|m| m.contains("next week")));
    }

    #[test]
    fn text_is_cleaned_trimmed_and_limited() {
        assert_eq!(
            text(&v("  a\u{b}b\r\nc  "), "note"),
            Ok("ab\nc".to_string())
        );
        assert!(text(&v(&"x".repeat(32_767)), "note").is_ok());
        let long = text(&v(&"é".repeat(32_768)), "note");
        assert!(long.is_err_and(|m| m.contains("32768") && m.contains("note")));
        // Characters outside the BMP count twice.
        assert!(text(&v(&"😀".repeat(16_384)), "note").is_err());
    }

    #[test]
    fn inventory_fields_are_normalised() {
        let def = |k: &str| field_def(k).copied().ok_or(k.to_string());
        let clinical = def("clinical_impact");
        assert_eq!(clinical.and_then(|d| field(&d, &v("4.0"))), Ok("4".into()));
        let crit = def("criticality");
        assert_eq!(
            crit.and_then(|d| field(&d, &v(" life-SUSTAINING "))),
            Ok("Life-sustaining".into())
        );
        let crit = def("criticality");
        assert!(
            crit.and_then(|d| field(&d, &v("Critical")))
                .is_err_and(|m| m.contains("Critical"))
        );
        let install = def("install_date");
        assert_eq!(
            install.and_then(|d| field(&d, &v("29/11/2026"))),
            Ok("2026-11-29".into())
        );
    }

    #[test]
    fn derived_cells_compare_by_meaning() {
        assert!(same_cell("3", "3"));
        assert!(same_cell("3.0", "3"));
        assert!(same_cell(" Moderate ", "Moderate"));
        assert!(same_cell("2026-03-04T00:00:00Z", "2026-03-04"));
        assert!(same_cell("04/03/2026", "2026-03-04"));
        assert!(!same_cell("High", "Moderate"));
        assert!(!same_cell("2026-03-05", "2026-03-04"));
        assert!(!same_cell("", "x"));
        assert_eq!(cell_text(&CellValue::Number(0.5)), "0.5");
        assert_eq!(
            cell_text(&CellValue::Formula("=1".into(), Cached::Number(12.0))),
            "12"
        );
    }
}
