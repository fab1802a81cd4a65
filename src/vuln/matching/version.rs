//! Firmware and software version strings as devices and advisories write them, compared by
//! our own rules.
//!
//! Why not the `versions` crate (STYLE.md names it for firmware strings): version 7 orders real
//! device versions wrongly for matching. It puts `2.4a` *before* `2.4` and calls `2.4a` equal
//! to `2.4b`, orders `1.2` before `1.2.0` and `V1.2` before `1.2`, and cannot read `4.5 SP2` or
//! `3.0 D15` at all (checked against versions 7.0.0). NVD writes `versionEndIncluding: 2.4a`
//! for MiniMed pumps, so those orders would produce false matches and misses; the rules below
//! are tested case by case instead.
//!
//! Rules ([`Version::parse`], [`Version::compare`]):
//! - A leading `v`, `V`, `ver`, `Ver.`, `version`, `rev`, `release` or `r` before a digit is dropped
//!   (`V1.2` = `1.2`), and so is a lower-case `v` before a letter code (`vD25` = `D25`).
//!   `Service Pack` is read as `SP`.
//! - Build metadata is ignored, as SemVer does: `+…`, `build 123`, `(build 123)`.
//! - The rest splits into numeric and alphabetic segments at `.`, `-`, `_`, spaces and at every
//!   change between digits and letters: `v20D29` → `20`, `d`, `29`; `4.5 SP2` → `4`, `5`,
//!   `sp`, `2`. Numbers compare as numbers of any length (`8.00.01` = `8.0.1`), letters case-
//!   insensitively.
//! - A missing trailing segment counts as `0` against a number (`1.2` = `1.2.0`), as *older*
//!   against a letter suffix (`2.4` < `2.4a` < `2.4b` < `2.5`; `4.5` < `4.5 SP2` < `4.6`), and
//!   as *newer* against a pre-release word (`1.0rc1` < `1.0`; words: `alpha`, `beta`, `rc`,
//!   `pre`, `dev`, `preview`, `a`/`b` are *not* pre-release words).
//! - A number against a word at the same place (`2.4.1` against `2.4a`, `D25` against `3.0`)
//!   is not comparable: [`Version::compare`] answers `None`, never a guess.
//! - A string without a digit (`N`, `latest`, `Rev A`) is not a version: `parse` gives `None`.
//!   Dates read as numbers (`2019-05-01` < `2019-12-01`).

use std::cmp::Ordering;
use std::fmt;

/// One piece of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Digits with leading zeros removed (`"0"` for zero), compared by length then text so any
    /// length works.
    Num(String),
    /// Letters, lower case.
    Word(String),
}

/// Words that mark a version *before* its release (`1.0rc1` < `1.0`).
const PRE_RELEASE: &[&str] = &["alpha", "beta", "rc", "pre", "dev", "preview", "snapshot"];

/// A parsed version string; keeps the text as written for reasons and reports.
#[derive(Debug, Clone)]
pub struct Version {
    raw: String,
    segments: Vec<Segment>,
}

impl Version {
    /// Reads a version as devices and advisories write it (`2.4a`, `V1.2.0.3`, `Ver. 8.00.01`,
    /// `4.5 SP2`, `BT06`, `3.0 D15`). `None` for text with no digit or longer than 64
    /// characters: such a value is "unknown", never guessed.
    pub fn parse(text: &str) -> Option<Version> {
        let raw = text.trim();
        if raw.is_empty() || raw.chars().count() > 64 || !raw.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        // `vD25` (Fresenius writes `vD25 and prior`): a lower-case `v` before an upper-case
        // letter code is the same `v` as in `v1.2`.
        let mut chars = raw.chars();
        let body = match (chars.next(), chars.next()) {
            (Some('v'), Some(c)) if c.is_ascii_uppercase() => &raw[1..],
            _ => raw,
        };
        let mut s = body.to_lowercase().replace("service pack", "sp");
        // Build metadata: `+…`, `(build …)`, `build …`.
        for marker in ["+", "(build", " build", "-build", "_build"] {
            if let Some(pos) = s.find(marker)
                && pos > 0
            {
                s.truncate(pos);
            }
        }
        let s = strip_prefix_word(s.trim());
        let mut segments = Vec::new();
        let mut current = String::new();
        let mut current_is_digit = false;
        let flush = |current: &mut String, digit: bool, segments: &mut Vec<Segment>| {
            if current.is_empty() {
                return;
            }
            if digit {
                let trimmed = current.trim_start_matches('0');
                segments.push(Segment::Num(if trimmed.is_empty() {
                    "0".to_string()
                } else {
                    trimmed.to_string()
                }));
            } else {
                segments.push(Segment::Word(current.clone()));
            }
            current.clear();
        };
        for c in s.chars() {
            if c.is_ascii_digit() || c.is_alphabetic() {
                let digit = c.is_ascii_digit();
                if !current.is_empty() && digit != current_is_digit {
                    flush(&mut current, current_is_digit, &mut segments);
                }
                current_is_digit = digit;
                current.push(c);
            } else if matches!(c, '.' | '-' | '_' | ' ' | '/' | '(' | ')' | ',') {
                flush(&mut current, current_is_digit, &mut segments);
            } else {
                // Anything else (`*`, `<`, `|`, `:`) means this is not a plain version.
                return None;
            }
        }
        flush(&mut current, current_is_digit, &mut segments);
        if !segments.iter().any(|s| matches!(s, Segment::Num(_))) {
            return None;
        }
        Some(Version {
            raw: raw.to_string(),
            segments,
        })
    }

    /// The text as written (trimmed).
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Orders two versions by the module's rules; `None` when they cannot be compared (a
    /// number against a word at the same place).
    pub fn compare(&self, other: &Version) -> Option<Ordering> {
        let n = self.segments.len().max(other.segments.len());
        for i in 0..n {
            let ord = match (self.segments.get(i), other.segments.get(i)) {
                (Some(a), Some(b)) => compare_segments(a, b)?,
                (Some(a), None) => missing_against(a).reverse(),
                (None, Some(b)) => missing_against(b),
                (None, None) => Ordering::Equal,
            };
            if ord != Ordering::Equal {
                return Some(ord);
            }
        }
        Some(Ordering::Equal)
    }

    /// The first version after every version that starts with this one: `6` → `7`, `8.0` →
    /// `8.1`; what `6.x` ends before. `None` when the last segment is not a number.
    pub fn next_prefix(&self) -> Option<Version> {
        let mut segments = self.segments.clone();
        match segments.last_mut() {
            Some(Segment::Num(n)) => {
                *n = increment_digits(n);
            }
            _ => return None,
        }
        Some(Version {
            raw: format!("{}+", self.raw),
            segments,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Drops `v`, `ver.`, `version`, `rev`, `release`, `r` before the first digit (`r0.13`).
fn strip_prefix_word(s: &str) -> &str {
    for word in [
        "version", "release", "ver.", "ver", "rev.", "rev", "v.", "v", "r",
    ] {
        if let Some(rest) = s.strip_prefix(word) {
            let rest = rest.trim_start();
            if rest.starts_with(|c: char| c.is_ascii_digit()) {
                return rest;
            }
        }
    }
    s
}

fn increment_digits(n: &str) -> String {
    let mut digits: Vec<u8> = n.bytes().map(|b| b - b'0').collect();
    let mut i = digits.len();
    loop {
        if i == 0 {
            digits.insert(0, 1);
            break;
        }
        i -= 1;
        if digits[i] == 9 {
            digits[i] = 0;
        } else {
            digits[i] += 1;
            break;
        }
    }
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

fn compare_segments(a: &Segment, b: &Segment) -> Option<Ordering> {
    match (a, b) {
        (Segment::Num(x), Segment::Num(y)) => Some(x.len().cmp(&y.len()).then_with(|| x.cmp(y))),
        (Segment::Word(x), Segment::Word(y)) => {
            let px = PRE_RELEASE.contains(&x.as_str());
            let py = PRE_RELEASE.contains(&y.as_str());
            Some(match (px, py) {
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => x.cmp(y),
            })
        }
        _ => None,
    }
}

/// How a missing segment compares with `present` at the same place.
fn missing_against(present: &Segment) -> Ordering {
    match present {
        Segment::Num(n) if n == "0" => Ordering::Equal,
        Segment::Num(_) => Ordering::Less,
        Segment::Word(w) if PRE_RELEASE.contains(&w.as_str()) => Ordering::Greater,
        Segment::Word(_) => Ordering::Less,
    }
}

/// Compares two version texts; `None` when either is not a version or they are not
/// comparable.
pub fn compare_text(a: &str, b: &str) -> Option<Ordering> {
    Version::parse(a)?.compare(&Version::parse(b)?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use Ordering::{Equal, Greater, Less};

    fn cmp(a: &str, b: &str) -> Option<Ordering> {
        compare_text(a, b)
    }

    #[test]
    fn letter_suffixes_come_after_the_base_and_before_the_next_release() {
        // NVD CVE-2019-10964: versionEndIncluding "2.4a".
        assert_eq!(cmp("2.4", "2.4a"), Some(Less));
        assert_eq!(cmp("2.4a", "2.4b"), Some(Less));
        assert_eq!(cmp("2.4a", "2.5"), Some(Less));
        assert_eq!(cmp("2.4a", "2.4A"), Some(Equal));
        assert_eq!(cmp("2.6a", "2.4a"), Some(Greater));
    }

    #[test]
    fn equal_versions_in_different_spellings_are_equal() {
        assert_eq!(cmp("1.2", "1.2.0"), Some(Equal));
        assert_eq!(cmp("V1.2", "1.2"), Some(Equal));
        assert_eq!(cmp("v16.0.0", "16"), Some(Equal));
        assert_eq!(cmp("Ver. 8.00.01", "8.0.1"), Some(Equal));
        assert_eq!(cmp("Version 3.6.7", "3.6.7"), Some(Equal));
        assert_eq!(cmp("10.0.1+build.77", "10.0.1"), Some(Equal));
        assert_eq!(cmp("10.0.1 build 1234", "10.0.1"), Some(Equal));
        assert_eq!(cmp("V1.2.0.3", "1.2.0.3"), Some(Equal));
    }

    #[test]
    fn numbers_compare_as_numbers() {
        assert_eq!(cmp("10.0.1", "9.0"), Some(Greater));
        assert_eq!(cmp("1.10", "1.9"), Some(Greater));
        assert_eq!(cmp("1.003", "1.3"), Some(Equal));
        assert_eq!(cmp("V1.2.0.3", "1.2.0.10"), Some(Less));
        assert_eq!(
            cmp(
                "123456789012345678901234567890",
                "123456789012345678901234567891"
            ),
            Some(Less)
        );
    }

    #[test]
    fn service_packs_come_after_the_base() {
        assert_eq!(cmp("4.5", "4.5 SP2"), Some(Less));
        assert_eq!(cmp("4.5 SP2", "4.5 SP10"), Some(Less));
        assert_eq!(cmp("4.5 Service Pack 2", "4.5 SP2"), Some(Equal));
        assert_eq!(cmp("4.5 SP2", "4.6"), Some(Less));
    }

    #[test]
    fn pre_releases_come_before_the_release() {
        assert_eq!(cmp("1.0rc1", "1.0"), Some(Less));
        assert_eq!(cmp("1.0-beta", "1.0-rc"), Some(Less));
        assert_eq!(cmp("1.0-beta", "0.9"), Some(Greater));
    }

    #[test]
    fn vendor_build_codes_order_within_their_letters() {
        // GE `BT02` … `BT06`, Fresenius `D25`, `3.0 D15`, Baxter battery modules `v20D29`.
        assert_eq!(cmp("BT02", "BT06"), Some(Less));
        assert_eq!(cmp("D25", "D26"), Some(Less));
        assert_eq!(cmp("3.0 D15", "3.0 D16"), Some(Less));
        assert_eq!(cmp("v20D29", "v20D32"), Some(Less));
        assert_eq!(cmp("v22D24", "v20D32"), Some(Greater));
        assert_eq!(cmp("B.02", "C.02"), Some(Less));
        assert_eq!(cmp("vD25", "D25"), Some(Equal));
        assert_eq!(cmp("vD24", "D25"), Some(Less));
    }

    #[test]
    fn dates_compare_in_order() {
        assert_eq!(cmp("2019-05-01", "2019-12-01"), Some(Less));
        assert_eq!(cmp("20190501", "20191201"), Some(Less));
    }

    #[test]
    fn unknown_versions_are_never_guessed() {
        assert!(Version::parse("N").is_none());
        assert!(Version::parse("").is_none());
        assert!(Version::parse("latest").is_none());
        assert!(Version::parse("<=2.4").is_none());
        assert!(Version::parse("*").is_none());
        assert_eq!(cmp("2.4.1", "2.4a"), None);
        assert_eq!(cmp("D25", "3.0"), None);
        assert_eq!(cmp("4.5 SP2", "4.5.1"), None);
    }

    fn version_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let part = prop_oneof![
            (0u32..30).prop_map(|n| n.to_string()),
            "[a-d]",
            Just("sp".to_string()),
            Just("rc".to_string()),
            Just("00".to_string()),
        ];
        (
            prop::collection::vec(part, 1..5),
            prop::sample::select(vec![".", "-", " ", ""]),
        )
            .prop_map(|(parts, sep)| parts.join(sep))
    }

    proptest::proptest! {
        /// The order is a partial order: reflexive, antisymmetric, and transitive wherever the
        /// ends can be compared.
        #[test]
        fn the_order_is_consistent(a in version_text(), b in version_text(), c in version_text()) {
            let (Some(x), Some(y), Some(z)) =
                (Version::parse(&a), Version::parse(&b), Version::parse(&c))
            else {
                return Ok(());
            };
            proptest::prop_assert_eq!(x.compare(&x), Some(Equal));
            proptest::prop_assert_eq!(x.compare(&y), y.compare(&x).map(Ordering::reverse));
            if let (Some(xy), Some(yz), Some(xz)) = (x.compare(&y), y.compare(&z), x.compare(&z))
                && xy != Greater
                && yz != Greater
            {
                proptest::prop_assert_ne!(xz, Greater, "{} <= {} <= {}", a, b, c);
            }
        }
    }

    #[test]
    fn next_prefix_is_the_end_of_a_wildcard() {
        let v = Version::parse("6").unwrap();
        let end = v.next_prefix().unwrap();
        assert_eq!(Version::parse("6.9.9").unwrap().compare(&end), Some(Less));
        assert_eq!(Version::parse("7").unwrap().compare(&end), Some(Equal));
        let v = Version::parse("8.9").unwrap();
        assert_eq!(
            Version::parse("8.10")
                .unwrap()
                .compare(&v.next_prefix().unwrap()),
            Some(Equal)
        );
        assert_eq!(increment_digits("99"), "100");
    }
}
