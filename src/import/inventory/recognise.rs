//! How a column header is recognised: normalised (case, accents, punctuation), then matched
//! exactly against an alias, or by an alias of two or more words it starts with.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::aliases::HEADER_ALIASES;
use crate::device::fields::FIELDS;

/// Lowercases, strips accents (`é` → `e`, `ß` → `ss`, `º` → `o`) and turns every run of
/// non-alphanumeric characters into one space: `"  Nº de  Série:"` → `"no de serie"`.
pub fn normalize_header(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    };
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ß' => "ss".chars().for_each(|c| push(c, &mut out)),
            'æ' | 'Æ' => "ae".chars().for_each(|c| push(c, &mut out)),
            'œ' | 'Œ' => "oe".chars().for_each(|c| push(c, &mut out)),
            'ø' | 'Ø' => push('o', &mut out),
            'ł' | 'Ł' => push('l', &mut out),
            'đ' | 'Đ' | 'ð' | 'Ð' => push('d', &mut out),
            'þ' | 'Þ' => "th".chars().for_each(|c| push(c, &mut out)),
            'ı' => push('i', &mut out),
            c => push(c, &mut out),
        }
    }
    out
}

/// The normalised alias table: every field's header and key, then [`HEADER_ALIASES`].
pub(super) fn alias_table() -> Vec<(String, &'static str)> {
    let mut table: Vec<(String, &'static str)> = Vec::new();
    for def in FIELDS {
        table.push((normalize_header(def.header), def.key));
        table.push((normalize_header(def.key), def.key));
    }
    for (alias, key) in HEADER_ALIASES {
        table.push((normalize_header(alias), key));
    }
    table
}

/// How a header was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Recognised {
    Exact(&'static str),
    /// By an alias of two or more words that the header starts with.
    Prefix(&'static str),
}

impl Recognised {
    pub(super) fn key(self) -> &'static str {
        match self {
            Recognised::Exact(k) | Recognised::Prefix(k) => k,
        }
    }
}

pub(super) fn recognise(table: &[(String, &'static str)], normalized: &str) -> Option<Recognised> {
    if normalized.is_empty() {
        return None;
    }
    if let Some((_, key)) = table.iter().find(|(alias, _)| alias == normalized) {
        return Some(Recognised::Exact(key));
    }
    table
        .iter()
        .filter(|(alias, _)| {
            alias.contains(' ')
                && normalized.len() > alias.len()
                && normalized.starts_with(alias.as_str())
                && normalized.as_bytes().get(alias.len()) == Some(&b' ')
        })
        .max_by_key(|(alias, _)| alias.len())
        .map(|(_, key)| Recognised::Prefix(key))
}

/// The field key a column header stands for, if medsec recognises it (see the module docs).
pub fn field_for_header(header: &str) -> Option<&'static str> {
    recognise(&alias_table(), &normalize_header(header)).map(Recognised::key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::fields;

    #[test]
    fn alias_table_is_consistent() {
        let table = alias_table();
        for (alias, key) in &table {
            assert!(
                fields::field(key).is_some(),
                "alias {alias:?} → unknown field {key}"
            );
            assert!(!alias.is_empty(), "empty alias for {key}");
            let clash = table.iter().find(|(a, k)| a == alias && k != key);
            assert!(
                clash.is_none(),
                "alias {alias:?} maps to {key} and {clash:?}"
            );
        }
    }

    #[test]
    fn headers_normalise_and_recognise() {
        assert_eq!(normalize_header("  Nº de  Série:"), "no de serie");
        assert_eq!(normalize_header("Ubicación física"), "ubicacion fisica");
        assert_eq!(normalize_header("IP Address(es)"), "ip address es");
        assert_eq!(normalize_header("Straße"), "strasse");
        assert_eq!(field_for_header("S/N"), Some("serial_number"));
        assert_eq!(field_for_header("Asset #"), Some("asset_tag"));
        assert_eq!(field_for_header("serial-number"), Some("serial_number"));
        assert_eq!(field_for_header("MARCA"), Some("manufacturer"));
        assert_eq!(field_for_header("Hersteller"), Some("manufacturer"));
        assert_eq!(field_for_header("Seriennummer"), Some("serial_number"));
        assert_eq!(field_for_header("Número de serie"), Some("serial_number"));
        assert_eq!(
            field_for_header("IP Address (primary)"),
            Some("ip_addresses")
        );
        assert_eq!(
            field_for_header("Código de inventario interno del laboratorio y/o asignado por UdeA"),
            Some("asset_tag")
        );
        assert_eq!(
            field_for_header("Antigüedad del eq. (F. adquisición)"),
            None
        );
        assert_eq!(field_for_header("Type"), None);
    }
}
