//! Columns → fields: `--map` first, then recognised headers (exact before prefix, each field
//! once); computed fields dropped; every other column kept as an extra attribute.

use std::collections::BTreeMap;
use std::path::Path;

use super::InventoryOptions;
use super::error::InventoryError;
use super::header::clean_header;
use super::recognise::{Recognised, normalize_header, recognise};
use crate::device::fields::{self, FieldError};
use crate::import::sheet::{Row, Table, column_letter};

/// How one column of the file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    /// The column's letters (`K`).
    pub letter: String,
    /// Its header, trimmed with inner whitespace collapsed (empty when the header cell is).
    pub header: String,
    /// The field it fills, if any. `None` with `ignored == false` means "kept as an extra
    /// attribute".
    pub field: Option<&'static str>,
    /// True when the column is dropped (`--map "COLUMN=-"`, or a computed field's column).
    pub ignored: bool,
    /// True when `--map` decided this column (rather than header recognition).
    pub from_map: bool,
}

/// What a `--map` asks for a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Field(&'static str),
    Extra,
    Ignore,
}

pub(super) fn parse_targets(
    opts: &InventoryOptions,
) -> Result<Vec<(String, Target)>, InventoryError> {
    let mut out: Vec<(String, Target)> = Vec::new();
    for (column, key) in &opts.map {
        let wanted = key.trim();
        let target = match wanted.to_lowercase().as_str() {
            "-" | "ignore" | "skip" => Target::Ignore,
            "extra" => Target::Extra,
            lower => {
                let lower = lower.replace('-', "_");
                match fields::settable(&lower) {
                    Ok(def) => Target::Field(def.key),
                    Err(FieldError::NotSettable(_)) => {
                        return Err(InventoryError::NotSettable {
                            column: column.clone(),
                            key: wanted.to_string(),
                        });
                    }
                    Err(_) => {
                        return Err(InventoryError::UnknownField {
                            column: column.clone(),
                            key: wanted.to_string(),
                        });
                    }
                }
            }
        };
        let norm = normalize_header(column);
        if let Some((_, earlier)) = out.iter().find(|(c, _)| normalize_header(c) == norm) {
            if *earlier != target {
                return Err(InventoryError::ConflictingMap {
                    column: column.clone(),
                });
            }
            continue;
        }
        out.push((column.clone(), target));
    }
    Ok(out)
}

/// The column index of letters such as `K` or `AB` (up to three letters).
pub(super) fn letters_to_index(letters: &str) -> Option<usize> {
    let letters = letters.trim();
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let mut n = 0usize;
    for c in letters.chars() {
        n = n * 26 + usize::from(c.to_ascii_uppercase() as u8 - b'A') + 1;
    }
    Some(n - 1)
}

pub(super) fn map_columns(
    table: &Table,
    header: &Row,
    path: &Path,
    targets: &[(String, Target)],
    aliases: &[(String, &'static str)],
) -> Result<(Vec<ColumnMapping>, Vec<String>), InventoryError> {
    let mut warnings = Vec::new();
    let width = table
        .rows
        .iter()
        .filter(|r| r.number >= header.number)
        .map(Row::width)
        .max()
        .unwrap_or(0);
    let headers: Vec<String> = (0..width).map(|c| clean_header(header.get(c))).collect();
    let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
    let mut decided: Vec<Option<Target>> = vec![None; width];

    for (column, target) in targets {
        let norm = normalize_header(column);
        let hits: Vec<usize> = (0..width)
            .filter(|&c| !norm.is_empty() && normalized.get(c) == Some(&norm))
            .collect();
        let col = match hits.as_slice() {
            [one] => *one,
            [] => match letters_to_index(column).filter(|&c| c < width) {
                Some(c) => c,
                None => {
                    return Err(InventoryError::MapColumnNotFound {
                        path: path.to_path_buf(),
                        column: column.clone(),
                        header_row: header.number,
                        headers: headers.iter().filter(|h| !h.is_empty()).cloned().collect(),
                    });
                }
            },
            many => {
                return Err(InventoryError::AmbiguousMapColumn {
                    path: path.to_path_buf(),
                    column: column.clone(),
                    letters: many.iter().map(|&c| column_letter(c)).collect(),
                });
            }
        };
        match decided.get_mut(col) {
            Some(Some(earlier)) if *earlier != *target => {
                return Err(InventoryError::ConflictingMap {
                    column: column.clone(),
                });
            }
            Some(slot) => *slot = Some(*target),
            None => {}
        }
    }
    let mut by_field: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
    for (col, target) in decided.iter().enumerate() {
        if let Some(Target::Field(key)) = target {
            by_field.entry(key).or_default().push(col);
        }
    }
    if let Some((key, cols)) = by_field.iter().find(|(_, cols)| cols.len() > 1) {
        return Err(InventoryError::DuplicateTarget {
            path: path.to_path_buf(),
            key: (*key).to_string(),
            letters: cols.iter().map(|&c| column_letter(c)).collect(),
        });
    }

    // Recognise the other headers: exact matches first, then prefixes, each field once.
    let recognised: Vec<Option<Recognised>> =
        normalized.iter().map(|n| recognise(aliases, n)).collect();
    let mut auto: Vec<Option<&'static str>> = vec![None; width];
    for exact in [true, false] {
        for (col, r) in recognised.iter().enumerate() {
            let Some(r) = r else { continue };
            if matches!(r, Recognised::Exact(_)) != exact
                || decided.get(col).is_some_and(Option::is_some)
            {
                continue;
            }
            let key = r.key();
            let taken = by_field.get(key).and_then(|cols| cols.first().copied());
            if let Some(other) = taken {
                warnings.push(format!(
                    "column {} \"{}\" also looks like `{key}` (read from column {}); kept as an extra attribute, use --map to choose",
                    column_letter(col),
                    headers.get(col).map_or("", String::as_str),
                    column_letter(other)
                ));
                continue;
            }
            by_field.entry(key).or_default().push(col);
            if let Some(slot) = auto.get_mut(col) {
                *slot = Some(key);
            }
        }
    }

    let mut columns = Vec::new();
    for col in 0..width {
        let header_text = headers.get(col).cloned().unwrap_or_default();
        let letter = column_letter(col);
        let explicit = decided.get(col).copied().flatten();
        let (field, ignored) = match (explicit, auto.get(col).copied().flatten()) {
            (Some(Target::Field(key)), _) => (Some(key), false),
            (Some(Target::Extra), _) => (None, false),
            (Some(Target::Ignore), _) => (None, true),
            (None, Some(key)) if fields::settable(key).is_err() => {
                warnings.push(format!(
                    "column {letter} \"{header_text}\" is `{key}`, which medsec computes; it is not imported"
                ));
                (None, true)
            }
            (None, Some(key)) => (Some(key), false),
            (None, None) => (None, false),
        };
        let has_data = table
            .rows
            .iter()
            .any(|r| r.number > header.number && !r.get(col).is_blank());
        if header_text.is_empty() && !has_data {
            continue;
        }
        columns.push(ColumnMapping {
            letter,
            header: header_text,
            field,
            ignored,
            from_map: explicit.is_some(),
        });
    }
    Ok((columns, warnings))
}

#[cfg(test)]
mod tests {
    use crate::import::inventory::tests::{csv, extra, map, value};
    use crate::import::inventory::{InventoryOptions, read_inventory};
    use crate::import::sheet::fixtures::{TestResult, write_temp};

    #[test]
    fn map_overrides_and_extras() -> TestResult {
        let text =
            "Equipo,Fabricante,Código,Ala,Color,Dispositivo padre\nBomba,Baxter,X-9,Norte,azul,\n";
        let opts = map(&[
            ("codigo", "asset-tag"),
            ("ALA", "room"),
            ("Color", "ignore"),
        ]);
        let inv = csv(text.as_bytes(), &opts)?;
        let row = inv.rows.first().ok_or("no row")?;
        assert_eq!(value(row, "asset_tag"), Some("X-9"));
        assert_eq!(value(row, "room"), Some("Norte"));
        assert_eq!(value(row, "name"), Some("Bomba"));
        assert_eq!(value(row, "manufacturer"), Some("Baxter"));
        assert_eq!(row.extra, Vec::<(String, String)>::new());
        let color = inv
            .columns
            .iter()
            .find(|c| c.header == "Color")
            .ok_or("no Color")?;
        assert!(color.ignored && color.from_map && color.field.is_none());

        // A column letter works when no header matches; an override replaces recognition.
        let opts = map(&[("B", "notes"), ("Equipo", "model")]);
        let inv = csv(text.as_bytes(), &opts)?;
        let row = inv.rows.first().ok_or("no row")?;
        assert_eq!(value(row, "notes"), Some("Baxter"));
        assert_eq!(value(row, "model"), Some("Bomba"));
        assert_eq!(value(row, "name"), Some("Bomba"), "named after the model");
        assert_eq!(extra(row, "Código"), Some("X-9"));
        assert_eq!(extra(row, "Ala"), Some("Norte"));
        assert!(
            inv.warnings.iter().any(|w| w.contains("had no name")),
            "{:?}",
            inv.warnings
        );
        Ok(())
    }

    #[test]
    fn map_errors_are_clear() -> TestResult {
        let text = b"Name,Serial\nPump,1\n";
        let err = csv(text, &map(&[("Serial", "serial")]))
            .err()
            .ok_or("accepted")?;
        let msg = err.to_string();
        assert!(msg.contains("`serial` is not an inventory field"), "{msg}");
        assert!(msg.contains("--help"), "{msg}");
        assert!(
            !msg.contains("serial_number"),
            "lists nothing more than the bad key: {msg}"
        );

        let file = write_temp(text, ".csv")?;
        let err = read_inventory(file.path(), &map(&[("Color", "notes")]))
            .err()
            .ok_or("accepted")?;
        assert!(err.is_usage());
        let msg = err.to_string();
        assert!(
            msg.contains("no column \"Color\"") && msg.contains("Name, Serial"),
            "{msg}"
        );

        let err = read_inventory(file.path(), &map(&[("Name", "compliance_pct")]))
            .err()
            .ok_or("accepted")?;
        assert!(err.to_string().contains("computed by medsec"), "{err}");

        let err = read_inventory(file.path(), &map(&[("Name", "notes"), ("Serial", "notes")]))
            .err()
            .ok_or("accepted")?;
        assert!(
            err.to_string()
                .contains("columns A, B are all mapped to `notes`"),
            "{err}"
        );

        let opts = InventoryOptions {
            header_row: Some(9),
            ..InventoryOptions::default()
        };
        let err = read_inventory(file.path(), &opts).err().ok_or("accepted")?;
        assert!(err.to_string().contains("row 9 is empty"), "{err}");

        let err = csv(b"just,some\nwords,here\n", &InventoryOptions::default())
            .err()
            .ok_or("accepted")?;
        assert!(err.to_string().contains("no header row found"), "{err}");
        Ok(())
    }
}
