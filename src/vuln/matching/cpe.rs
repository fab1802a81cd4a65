//! CPE names: the 2.3 formatted string NVD and SBOMs use
//! (`cpe:2.3:o:medtronic:minimed_508_firmware:*:*:*:*:*:*:*:*`) and the older 2.2 URI some
//! SBOMs still carry (`cpe:/a:offis:dcmtk:3.6.6`).
//!
//! Rules (NISTIR 7695, the CPE naming specification): a formatted string has 13 `:`-separated
//! parts; `\` escapes the next character (`\:`, `\.`, `\-`, `\*`); a lone `*` is ANY, a lone `-`
//! is NOT APPLICABLE. A 2.2 URI has up to 7 parts after `cpe:/`, percent-encoded, an empty or
//! missing part is ANY. Vendor and product are compared as written, lower case.

use std::fmt;

/// One attribute of a CPE name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpeValue {
    /// `*`: any value.
    Any,
    /// `-`: the attribute does not apply (a hardware CPE's version, for example).
    NotApplicable,
    /// A value, unescaped, lower case.
    Value(String),
}

impl CpeValue {
    /// The value when there is one.
    pub fn value(&self) -> Option<&str> {
        match self {
            CpeValue::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// A parsed CPE name (the attributes a matcher uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpe {
    /// `a` application, `o` operating system (and firmware), `h` hardware; `*` when any.
    pub part: char,
    /// The vendor (`medtronic`, `offis`).
    pub vendor: CpeValue,
    /// The product (`minimed_508_firmware`, `dcmtk`).
    pub product: CpeValue,
    /// The version.
    pub version: CpeValue,
    /// The update (`sp2`, `beta`).
    pub update: CpeValue,
}

/// Why a CPE name could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CpeError {
    /// It starts with neither `cpe:2.3:` nor `cpe:/`.
    #[error("\"{0}\" is not a CPE name (it starts with neither cpe:2.3: nor cpe:/)")]
    NotCpe(String),
    /// A 2.3 name without its 13 parts.
    #[error("CPE 2.3 name \"{text}\" has {parts} parts, not 13")]
    Parts {
        /// The name as given.
        text: String,
        /// How many parts it had.
        parts: usize,
    },
    /// The part is not `a`, `o`, `h` or `*`.
    #[error("CPE name \"{0}\" has a part other than a, o, h or *")]
    Part(String),
}

impl Cpe {
    /// Reads a CPE 2.3 formatted string or a CPE 2.2 URI.
    ///
    /// # Errors
    /// [`CpeError`] naming the text when it is neither form, a 2.3 name does not have 13
    /// parts, or the part is unknown.
    pub fn parse(text: &str) -> Result<Cpe, CpeError> {
        let t = text.trim();
        let lower = t.to_lowercase();
        let parts: Vec<CpeValue> = if lower.starts_with("cpe:2.3:") {
            let fields = split_escaped(&t[8..]);
            if fields.len() != 11 {
                return Err(CpeError::Parts {
                    text: t.to_string(),
                    parts: fields.len() + 2,
                });
            }
            fields.into_iter().map(|f| value_23(&f)).collect()
        } else if lower.starts_with("cpe:/") {
            t[5..]
                .split(':')
                .map(|f| {
                    let f = percent_decode(f).to_lowercase();
                    match f.as_str() {
                        "" | "*" => CpeValue::Any,
                        "-" => CpeValue::NotApplicable,
                        _ => CpeValue::Value(f),
                    }
                })
                .collect()
        } else {
            return Err(CpeError::NotCpe(t.to_string()));
        };
        let get = |i: usize| parts.get(i).cloned().unwrap_or(CpeValue::Any);
        let part = match get(0) {
            CpeValue::Any => '*',
            CpeValue::Value(v) if matches!(v.as_str(), "a" | "o" | "h") => {
                v.chars().next().unwrap_or('*')
            }
            _ => return Err(CpeError::Part(t.to_string())),
        };
        Ok(Cpe {
            part,
            vendor: get(1),
            product: get(2),
            version: get(3),
            update: get(4),
        })
    }

    /// The product in words (`minimed_paradigm_523_firmware` → `minimed paradigm 523
    /// firmware`), empty when ANY.
    pub fn product_words(&self) -> String {
        self.product.value().unwrap_or("").replace('_', " ")
    }

    /// The vendor in words (`general_electric` → `general electric`), empty when ANY.
    pub fn vendor_words(&self) -> String {
        self.vendor.value().unwrap_or("").replace('_', " ")
    }

    /// The version with the update when both are values (`4.5` + `sp2` → `4.5 sp2`); `None`
    /// when the version is ANY or NOT APPLICABLE.
    pub fn full_version(&self) -> Option<String> {
        let v = self.version.value()?;
        Some(match self.update.value() {
            Some(u) => format!("{v} {u}"),
            None => v.to_string(),
        })
    }
}

impl fmt::Display for Cpe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &CpeValue| match v {
            CpeValue::Any => "*".to_string(),
            CpeValue::NotApplicable => "-".to_string(),
            CpeValue::Value(s) => s.clone(),
        };
        write!(
            f,
            "{}:{}:{}:{}",
            self.part,
            show(&self.vendor),
            show(&self.product),
            show(&self.version)
        )
    }
}

/// Splits at `:` that are not escaped, removing the escapes.
fn split_escaped(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut escaped_any = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    current.push(n);
                    escaped_any = true;
                }
            }
            ':' => {
                out.push((std::mem::take(&mut current), escaped_any));
                escaped_any = false;
            }
            _ => current.push(c),
        }
    }
    out.push((current, escaped_any));
    out
}

fn value_23((text, escaped): &(String, bool)) -> CpeValue {
    match (text.as_str(), escaped) {
        ("*", false) | ("", _) => CpeValue::Any,
        ("-", false) => CpeValue::NotApplicable,
        _ => CpeValue::Value(text.to_lowercase()),
    }
}

/// Decodes `%xx` escapes (invalid ones are kept as written).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = bytes.get(i + 1..i + 3)
            && let Ok(s) = std::str::from_utf8(h)
            && let Ok(b) = u8::from_str_radix(s, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_nvd_firmware_and_hardware_names() {
        let c = Cpe::parse("cpe:2.3:o:medtronic:minimed_508_firmware:*:*:*:*:*:*:*:*").unwrap();
        assert_eq!(c.part, 'o');
        assert_eq!(c.vendor, CpeValue::Value("medtronic".into()));
        assert_eq!(c.product_words(), "minimed 508 firmware");
        assert_eq!(c.version, CpeValue::Any);
        let h = Cpe::parse("cpe:2.3:h:medtronic:minimed_508:-:*:*:*:*:*:*:*").unwrap();
        assert_eq!(h.version, CpeValue::NotApplicable);
        assert_eq!(h.full_version(), None);
    }

    #[test]
    fn escapes_are_removed_and_escaped_specials_are_values() {
        let c = Cpe::parse(r"cpe:2.3:a:foo\:bar:product\.x:1\.2:*:*:*:*:*:*:*").unwrap();
        assert_eq!(c.vendor.value(), Some("foo:bar"));
        assert_eq!(c.product.value(), Some("product.x"));
        assert_eq!(c.version.value(), Some("1.2"));
        let c = Cpe::parse(r"cpe:2.3:a:v:p:\-:*:*:*:*:*:*:*").unwrap();
        assert_eq!(c.version.value(), Some("-"));
    }

    #[test]
    fn reads_sbom_names_with_versions_and_updates() {
        let c = Cpe::parse("cpe:2.3:a:chan:fatfs:r0.13:*:*:*:*:*:*:*").unwrap();
        assert_eq!(c.full_version().as_deref(), Some("r0.13"));
        let c = Cpe::parse("cpe:2.3:o:microsoft:windows_7:-:sp1:*:*:*:*:*:*").unwrap();
        assert_eq!(c.full_version(), None);
        let c = Cpe::parse("cpe:2.3:o:vendor:os:4.5:sp2:*:*:*:*:*:*").unwrap();
        assert_eq!(c.full_version().as_deref(), Some("4.5 sp2"));
    }

    #[test]
    fn reads_cpe_22_uris() {
        let c = Cpe::parse("cpe:/a:offis:dcmtk:3.6.6").unwrap();
        assert_eq!(c.part, 'a');
        assert_eq!(c.product.value(), Some("dcmtk"));
        assert_eq!(c.version.value(), Some("3.6.6"));
        let c = Cpe::parse("cpe:/o:microsoft:windows_xp::sp3").unwrap();
        assert_eq!(c.version, CpeValue::Any);
        assert_eq!(c.update.value(), Some("sp3"));
        let c = Cpe::parse("cpe:/a:acme%21:thing").unwrap();
        assert_eq!(c.vendor.value(), Some("acme!"));
    }

    #[test]
    fn bad_names_are_errors_that_name_the_text() {
        let e = Cpe::parse("cpe:2.3:a:too:few").unwrap_err();
        assert_eq!(
            e.to_string(),
            "CPE 2.3 name \"cpe:2.3:a:too:few\" has 5 parts, not 13"
        );
        assert!(matches!(Cpe::parse("pkg:npm/x"), Err(CpeError::NotCpe(_))));
        assert!(matches!(
            Cpe::parse("cpe:2.3:z:v:p:*:*:*:*:*:*:*:*"),
            Err(CpeError::Part(_))
        ));
    }
}
