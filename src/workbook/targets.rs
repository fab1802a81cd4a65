//! How a target (device, model, site) is stored in the `answer` and `risk_entry` tables, and how
//! it is named in undo labels.

use rusqlite::Connection;

use super::devices::short_id_in;
use crate::assessment::{Target, model_key};

/// The columns that hold a target, as stored: (target_kind, target_key, target_label, device_id).
///
/// target_kind is `device`, `model` or `site`; target_key is the device's row ID, the lower-cased
/// `manufacturer U+001F model`, or the lower-cased site name (`""` for the default site);
/// target_label keeps the spelling shown in sheets.
pub(super) fn target_columns(target: &Target) -> (&'static str, String, String, Option<i64>) {
    match target {
        Target::Device(id) => ("device", id.to_string(), String::new(), Some(*id)),
        Target::Model {
            manufacturer,
            model,
        } => (
            "model",
            model_key(manufacturer, model),
            format!("{}\u{1f}{}", manufacturer.trim(), model.trim()),
            None,
        ),
        Target::Site(s) => ("site", s.trim().to_lowercase(), s.trim().to_string(), None),
    }
}

/// The target stored in these columns (the inverse of [`target_columns`]).
pub(super) fn target_of(kind: &str, key: &str, device_id: Option<i64>, label: String) -> Target {
    let display = (!label.is_empty()).then_some(label);
    match kind {
        "device" => Target::Device(device_id.unwrap_or(0)),
        "model" => {
            let shown = display.unwrap_or_else(|| key.to_string());
            let (m, n) = shown.split_once('\u{1f}').unwrap_or((shown.as_str(), ""));
            Target::Model {
                manufacturer: m.to_string(),
                model: n.to_string(),
            }
        }
        _ => Target::Site(display.unwrap_or_else(|| key.to_string())),
    }
}

/// A target as named in undo labels: `DEV-0003`, `model Baxter Sigma Spectrum`, `site North`,
/// `default site`.
pub(super) fn target_name(conn: &Connection, target: &Target) -> rusqlite::Result<String> {
    Ok(match target {
        Target::Device(id) => short_id_in(conn, *id)?,
        Target::Model {
            manufacturer,
            model,
        } => format!("model {} {}", manufacturer.trim(), model.trim()),
        Target::Site(s) if s.trim().is_empty() => "default site".to_string(),
        Target::Site(s) => format!("site {}", s.trim()),
    })
}
