//! Version texts as CSAF advisories, CISA and NVD write them, read into ranges.
//!
//! A CSAF product tree names versions in `product_version` / `product_version_range` branches,
//! and CISA writes them in several ways: `vers:all/*`, `<=12.1.3`, `< 1.003`, `>= 2.0 | <= 3.0`
//! (a range written as two constraints), `BT02 | BT03 | BT04` (a list), `v6.x model 35700BAX`
//! (a series and the model it applies to), `v6.x (with Wireless Battery Modules v9 | …)` (a
//! condition the version alone does not settle), `<=N` (a placeholder). Full product names say
//! the same in words: `Versions 9.33 and prior`, `prior to Version 1.7.15`, `All versions prior
//! to 3.6.7`, `(all models)`. NVD and CVE 5 records give structured bounds instead
//! ([`VersionSpec::from_bounds`]).
//!
//! [`VersionSpec::parse`] reads any of these into "all versions", a set of ranges, or
//! "unknown" (kept as text). Constraint lists follow the `vers:` rules of the package-URL
//! project: `>=`/`>` opens a range that the next `<=`/`<` closes; a `<=`/`<` with nothing open
//! bounds from below by nothing; a plain version is that one version; `6.x` is every version
//! starting with `6`. A text with any part that is not a version (`<=N`) is unknown as a whole:
//! a match against it is never more than Medium confidence.

use std::cmp::Ordering;
use std::sync::LazyLock;

use regex::Regex;

use super::version::Version;

/// One end of a range.
#[derive(Debug, Clone)]
pub enum Bound {
    /// No limit on this side.
    Unbounded,
    /// Up to or from this version, itself included.
    Included(Version),
    /// Up to or from this version, itself excluded.
    Excluded(Version),
}

/// A range of versions between two bounds.
#[derive(Debug, Clone)]
pub struct VersionRange {
    /// The lowest version.
    pub lower: Bound,
    /// The highest version.
    pub upper: Bound,
}

impl VersionRange {
    fn exact(v: Version) -> VersionRange {
        VersionRange {
            lower: Bound::Included(v.clone()),
            upper: Bound::Included(v),
        }
    }

    /// Whether `v` lies in the range; `None` when a bound cannot be compared with it.
    pub fn contains(&self, v: &Version) -> Option<bool> {
        let low_ok = match &self.lower {
            Bound::Unbounded => true,
            Bound::Included(b) => v.compare(b)? != Ordering::Less,
            Bound::Excluded(b) => v.compare(b)? == Ordering::Greater,
        };
        let high_ok = match &self.upper {
            Bound::Unbounded => true,
            Bound::Included(b) => v.compare(b)? != Ordering::Greater,
            Bound::Excluded(b) => v.compare(b)? == Ordering::Less,
        };
        Some(low_ok && high_ok)
    }

    /// `≤ 2.4a`, `< 3.6.7`, `≥ 2.0 and ≤ 3.0`, `= 9.7`, `6.x`.
    pub fn describe(&self) -> String {
        match (&self.lower, &self.upper) {
            (Bound::Included(a), Bound::Included(b)) if a.compare(b) == Some(Ordering::Equal) => {
                format!("= {a}")
            }
            (Bound::Included(a), Bound::Excluded(b)) if b.as_str().ends_with('+') => {
                format!("{a}.x")
            }
            (Bound::Unbounded, Bound::Unbounded) => "any version".to_string(),
            (low, high) => {
                let low = match low {
                    Bound::Unbounded => None,
                    Bound::Included(a) => Some(format!("≥ {a}")),
                    Bound::Excluded(a) => Some(format!("> {a}")),
                };
                let high = match high {
                    Bound::Unbounded => None,
                    Bound::Included(b) => Some(format!("≤ {b}")),
                    Bound::Excluded(b) => Some(format!("< {b}")),
                };
                [low, high]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" and ")
            }
        }
    }
}

/// What a version text covers.
#[derive(Debug, Clone)]
pub enum SpecKind {
    /// Every version (`vers:all/*`, `All versions`, `(all models)`, an NVD CPE with `*` and no
    /// bounds).
    All,
    /// Any of these ranges.
    Ranges(Vec<VersionRange>),
    /// Not readable (`<=N`); the text is in [`VersionSpec::text`].
    Unknown,
}

/// A version text read into what it covers.
#[derive(Debug, Clone)]
pub struct VersionSpec {
    /// The text as written (or the structured bounds written out).
    pub text: String,
    /// What it covers.
    pub kind: SpecKind,
    /// A condition the version alone does not settle, as written: `with Wireless Battery
    /// Modules v9 | v11 …`, `Windows XP-based`; empty when none. A match under a condition is
    /// at most Medium confidence.
    pub condition: String,
    /// A model the text limits itself to (`v6.x model 35700BAX` → `35700BAX`).
    pub model: Option<String>,
}

/// Whether a version lies in a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InSpec {
    /// Yes.
    In,
    /// No.
    Out,
    /// Cannot tell (unknown spec, or versions not comparable).
    Unknown,
}

static NOT_MORE_THAN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(.+?)\s+(?:and|or|&)\s+(?:prior|earlier|older|below|lower|before)(?:\s+versions?)?$")
});
static UP_TO_INCLUDING: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:up\s+to\s+and\s+including|up\s+to|through|until)\s+(.+)$"));
static BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:prior\s+to|before|earlier\s+than|older\s+than|below|lower\s+than)\s+(.+)$")
});
static NOT_LESS_THAN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(.+?)\s+(?:and|or|&)\s+(?:later|newer|above|higher|after|up)(?:\s+versions?)?$")
});
static BETWEEN: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:from\s+|between\s+)?(.+?)\s+(?:through|thru|to|and|-|–)\s+(.+)$"));
static MODEL: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bmodel\s+([A-Za-z0-9][A-Za-z0-9-]*)"));
static CONSTRAINT: LazyLock<Regex> = LazyLock::new(|| re(r"^(<=|>=|==|!=|<|>|=|≤|≥)?\s*(.+)$"));

#[allow(clippy::expect_used)]
fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file; the tests compile every one of them.
    Regex::new(&format!("(?i){pattern}")).expect("constant pattern")
}

impl VersionSpec {
    fn new(text: &str, kind: SpecKind) -> VersionSpec {
        VersionSpec {
            text: text.to_string(),
            kind,
            condition: String::new(),
            model: None,
        }
    }

    /// Every version.
    pub fn all(text: &str) -> VersionSpec {
        VersionSpec::new(text, SpecKind::All)
    }

    /// Reads a version text (see the module comment for the forms). Never fails: what cannot
    /// be read is [`SpecKind::Unknown`] with the text kept.
    pub fn parse(text: &str) -> VersionSpec {
        let original = text.trim();
        let mut spec = VersionSpec::new(original, SpecKind::Unknown);
        // `Alaris 8015 PC unit: Versions 9.33 and prior`: the part after the product name.
        let mut t = match original.rfind(": ") {
            Some(pos) => original[pos + 2..].trim().to_string(),
            None => original.to_string(),
        };
        // Parenthesised parts: `(all models)`, `(with Wireless Battery Modules …)`.
        let mut all_flag = false;
        while let (Some(open), Some(close)) = (t.find('('), t.rfind(')')) {
            if close < open {
                break;
            }
            let inner = t[open + 1..close].trim().to_string();
            if is_all_words(&inner) {
                all_flag = true;
            } else {
                push_condition(&mut spec.condition, &inner);
            }
            t = format!("{} {}", &t[..open], &t[close + 1..])
                .trim()
                .to_string();
        }
        if let Some(caps) = MODEL.captures(&t) {
            spec.model = caps.get(1).map(|m| m.as_str().to_string());
            if let Some(whole) = caps.get(0) {
                t = format!("{} {}", &t[..whole.start()], &t[whole.end()..])
                    .trim()
                    .to_string();
            }
        }
        let lower = t.to_lowercase();
        if let Some(pos) = lower.find(" with ") {
            push_condition(&mut spec.condition, t[pos + 1..].trim());
            t = t[..pos].trim().to_string();
        }
        if all_flag && t.is_empty() {
            spec.kind = SpecKind::All;
            return spec;
        }
        spec.kind = parse_kind(&t, &mut spec.condition);
        spec
    }

    /// Builds a spec from structured bounds (NVD `versionStartIncluding` … , CVE 5
    /// `lessThan` / `lessThanOrEqual`, a CPE's own version as `exact`). No bound at all is
    /// every version; any bound that is not a version makes the spec unknown. A CVE 5
    /// `version: "0"` start is no lower bound.
    pub fn from_bounds(
        exact: Option<&str>,
        start_including: Option<&str>,
        start_excluding: Option<&str>,
        end_including: Option<&str>,
        end_excluding: Option<&str>,
    ) -> VersionSpec {
        fn clean(o: Option<&str>) -> Option<&str> {
            o.map(str::trim).filter(|s| !s.is_empty() && *s != "*")
        }
        let (exact, si, se, ei, ee) = (
            clean(exact),
            clean(start_including),
            clean(start_excluding),
            clean(end_including),
            clean(end_excluding),
        );
        let has_range = si.is_some() || se.is_some() || ei.is_some() || ee.is_some();
        let mut parts = Vec::new();
        if let Some(v) = si {
            parts.push(format!(">={v}"));
        }
        if let Some(v) = se {
            parts.push(format!(">{v}"));
        }
        if let Some(v) = ei {
            parts.push(format!("<={v}"));
        }
        if let Some(v) = ee {
            parts.push(format!("<{v}"));
        }
        if !has_range {
            return match exact {
                None | Some("-") => VersionSpec::all("all versions"),
                Some(v) => VersionSpec::parse(v),
            };
        }
        let text = parts.join("|");
        let bound = |o: Option<&str>, inclusive: bool| -> Result<Bound, ()> {
            match o {
                None => Ok(Bound::Unbounded),
                Some(v) => {
                    let parsed = Version::parse(v).ok_or(())?;
                    Ok(if inclusive {
                        Bound::Included(parsed)
                    } else {
                        Bound::Excluded(parsed)
                    })
                }
            }
        };
        let lower = match (si, se) {
            (Some("0"), None) => Ok(Bound::Unbounded),
            (Some(v), _) => bound(Some(v), true),
            (None, Some(v)) => bound(Some(v), false),
            (None, None) => Ok(Bound::Unbounded),
        };
        let upper = match (ei, ee) {
            (Some(v), _) => bound(Some(v), true),
            (None, Some(v)) => bound(Some(v), false),
            (None, None) => Ok(Bound::Unbounded),
        };
        match (lower, upper) {
            (Ok(lower), Ok(upper)) => {
                VersionSpec::new(&text, SpecKind::Ranges(vec![VersionRange { lower, upper }]))
            }
            _ => VersionSpec::new(&text, SpecKind::Unknown),
        }
    }

    /// Whether `version` lies in the spec. All versions: always [`InSpec::In`]; unknown:
    /// [`InSpec::Unknown`]; ranges: `In` when one range holds it, `Out` when every range
    /// excludes it, `Unknown` otherwise. The condition and the model are not looked at here.
    pub fn contains(&self, version: &Version) -> InSpec {
        match &self.kind {
            SpecKind::All => InSpec::In,
            SpecKind::Unknown => InSpec::Unknown,
            SpecKind::Ranges(ranges) => {
                let mut unknown = false;
                for r in ranges {
                    match r.contains(version) {
                        Some(true) => return InSpec::In,
                        Some(false) => {}
                        None => unknown = true,
                    }
                }
                if unknown {
                    InSpec::Unknown
                } else {
                    InSpec::Out
                }
            }
        }
    }

    /// Whether `version` is at or after the lowest version a range starts from: what a fix
    /// statement means (`fixed` in 9.1 holds for 9.2 too). `false` for all versions, unknown
    /// specs and versions that cannot be compared.
    pub fn at_or_after_start(&self, version: &Version) -> bool {
        let SpecKind::Ranges(ranges) = &self.kind else {
            return false;
        };
        ranges.iter().any(|r| match &r.lower {
            Bound::Included(b) => version.compare(b).is_some_and(|o| o != Ordering::Less),
            Bound::Excluded(b) => version.compare(b) == Some(Ordering::Greater),
            Bound::Unbounded => false,
        })
    }

    /// Whether the spec covers every version.
    pub fn is_all(&self) -> bool {
        matches!(self.kind, SpecKind::All)
    }

    /// In words for a reason: `all versions`, `≤ 2.4a`, `BT02, BT03`, `unreadable "<=N"`.
    pub fn describe(&self) -> String {
        match &self.kind {
            SpecKind::All => "all versions".to_string(),
            SpecKind::Unknown => format!("unreadable \"{}\"", self.text),
            SpecKind::Ranges(ranges) => {
                let parts: Vec<String> = ranges
                    .iter()
                    .map(|r| {
                        let d = r.describe();
                        d.strip_prefix("= ").map(str::to_string).unwrap_or(d)
                    })
                    .collect();
                parts.join(", ")
            }
        }
    }
}

fn push_condition(condition: &mut String, text: &str) {
    if text.is_empty() {
        return;
    }
    if !condition.is_empty() {
        condition.push_str("; ");
    }
    condition.push_str(text);
}

/// `all`, `*`, `all versions`, `all models`, `any`.
fn is_all_words(text: &str) -> bool {
    let l = text.trim().to_lowercase();
    matches!(
        l.as_str(),
        "all" | "*" | "all versions" | "all models" | "any" | "any version" | "vers:all/*"
    )
}

fn parse_kind(text: &str, condition: &mut String) -> SpecKind {
    let mut t = text.trim().to_string();
    if t.is_empty() || is_all_words(&t) {
        return SpecKind::All;
    }
    if let Some(rest) = t.strip_prefix("vers:") {
        match rest.split_once('/') {
            Some((_, "*")) => return SpecKind::All,
            Some((_, constraints)) => t = constraints.to_string(),
            None => return SpecKind::Unknown,
        }
    }
    // Leading words: `All versions prior to 3.6.7`, `Versions 9.0 and prior`, `Version 9.7`.
    let lower = t.to_lowercase();
    for prefix in ["all versions of", "all versions", "versions", "version"] {
        if lower.starts_with(prefix) && t[prefix.len()..].starts_with(|c: char| c.is_whitespace()) {
            t = t[prefix.len()..].trim().to_string();
            break;
        }
    }
    // `All Windows XP-based versions`: every version, under a condition.
    let lower = t.to_lowercase();
    if lower.starts_with("all ") && lower.ends_with(" versions") {
        push_condition(condition, t[4..t.len() - " versions".len()].trim());
        return SpecKind::All;
    }
    if let Some(c) = NOT_MORE_THAN.captures(&t) {
        return one(&c[1], |v| (Bound::Unbounded, Bound::Included(v)));
    }
    if let Some(c) = UP_TO_INCLUDING.captures(&t) {
        return one(&c[1], |v| (Bound::Unbounded, Bound::Included(v)));
    }
    if let Some(c) = BEFORE.captures(&t) {
        return one(&c[1], |v| (Bound::Unbounded, Bound::Excluded(v)));
    }
    if let Some(c) = NOT_LESS_THAN.captures(&t) {
        return one(&c[1], |v| (Bound::Included(v), Bound::Unbounded));
    }
    if !t.contains(['|', ',', ';', '<', '>', '=', '≤', '≥'])
        && let Some(c) = BETWEEN.captures(&t)
    {
        let (a, b) = (strip_version_word(&c[1]), strip_version_word(&c[2]));
        // `24950 and 24952` is a list, `2.0 to 3.0` a range.
        let is_and = t.to_lowercase().contains(" and ");
        if let (Some(a), Some(b)) = (Version::parse(a), Version::parse(b)) {
            return if is_and {
                SpecKind::Ranges(vec![VersionRange::exact(a), VersionRange::exact(b)])
            } else {
                SpecKind::Ranges(vec![VersionRange {
                    lower: Bound::Included(a),
                    upper: Bound::Included(b),
                }])
            };
        }
    }
    constraints(&t)
}

fn strip_version_word(s: &str) -> &str {
    let s = s.trim();
    let lower = s.to_lowercase();
    for w in ["versions ", "version "] {
        if lower.starts_with(w) {
            return s[w.len()..].trim();
        }
    }
    s
}

fn one(text: &str, make: impl Fn(Version) -> (Bound, Bound)) -> SpecKind {
    match Version::parse(strip_version_word(text)) {
        Some(v) => {
            let (lower, upper) = make(v);
            SpecKind::Ranges(vec![VersionRange { lower, upper }])
        }
        None => SpecKind::Unknown,
    }
}

/// A `|`-, `,`- or `;`-separated constraint list, by the `vers:` rules.
fn constraints(text: &str) -> SpecKind {
    let mut ranges = Vec::new();
    let mut open: Option<Bound> = None;
    for item in text.split(['|', ',', ';']) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let Some(caps) = CONSTRAINT.captures(item) else {
            return SpecKind::Unknown;
        };
        let op = caps.get(1).map(|m| m.as_str()).unwrap_or("");
        let value = strip_version_word(caps.get(2).map(|m| m.as_str()).unwrap_or(""));
        if matches!(value, "*" | "") {
            return SpecKind::All;
        }
        let lower_value = value.to_lowercase();
        let wildcard = lower_value.ends_with(".x") || lower_value.ends_with(".*");
        let base = if wildcard {
            &value[..value.len() - 2]
        } else {
            value
        };
        let Some(v) = Version::parse(base) else {
            return SpecKind::Unknown;
        };
        match op {
            "" | "=" | "==" => {
                if let Some(low) = open.take() {
                    ranges.push(VersionRange {
                        lower: low,
                        upper: Bound::Unbounded,
                    });
                }
                if wildcard {
                    let Some(end) = v.next_prefix() else {
                        return SpecKind::Unknown;
                    };
                    ranges.push(VersionRange {
                        lower: Bound::Included(v),
                        upper: Bound::Excluded(end),
                    });
                } else {
                    ranges.push(VersionRange::exact(v));
                }
            }
            ">=" | "≥" | ">" => {
                if let Some(low) = open.take() {
                    ranges.push(VersionRange {
                        lower: low,
                        upper: Bound::Unbounded,
                    });
                }
                open = Some(if op == ">" {
                    Bound::Excluded(v)
                } else {
                    Bound::Included(v)
                });
            }
            "<=" | "≤" | "<" => {
                let upper = if op == "<" {
                    Bound::Excluded(v)
                } else if wildcard {
                    match v.next_prefix() {
                        Some(end) => Bound::Excluded(end),
                        None => return SpecKind::Unknown,
                    }
                } else {
                    Bound::Included(v)
                };
                ranges.push(VersionRange {
                    lower: open.take().unwrap_or(Bound::Unbounded),
                    upper,
                });
            }
            _ => return SpecKind::Unknown,
        }
    }
    if let Some(low) = open.take() {
        ranges.push(VersionRange {
            lower: low,
            upper: Bound::Unbounded,
        });
    }
    if ranges.is_empty() {
        SpecKind::Unknown
    } else {
        SpecKind::Ranges(ranges)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn contains(spec: &str, v: &str) -> InSpec {
        VersionSpec::parse(spec).contains(&Version::parse(v).unwrap())
    }

    /// Every distinct `product_version` / `product_version_range` branch name of the corpus
    /// advisories, with a version inside and one outside (or `None` when the text covers
    /// everything or cannot be read), and what the text reads as.
    const CORPUS_TEXTS: &[(&str, &str, Option<&str>, Option<&str>)] = &[
        // (text, kind, a version in, a version out)
        ("12.1.3", "ranges", Some("12.1.3"), Some("12.1.2")),
        ("2490C", "ranges", Some("2490c"), Some("2490")),
        ("24950 | 24952", "ranges", Some("24952"), Some("24951")),
        ("4", "ranges", Some("4.0"), Some("5")),
        ("4.3", "ranges", Some("4.3"), Some("4.4")),
        ("5", "ranges", Some("5"), Some("4")),
        (
            "653 MCE 3.x",
            "ranges",
            Some("653 MCE 3.1"),
            Some("653 MCE 4"),
        ),
        ("9.7", "ranges", Some("9.7.0"), Some("9.8")),
        ("A.01", "ranges", Some("A.01"), Some("A.02")),
        ("B.02", "ranges", Some("B.2"), Some("C.02")),
        (
            "BT02 | BT03 | BT04 | BT06",
            "ranges",
            Some("BT04"),
            Some("BT05"),
        ),
        ("BT03", "ranges", Some("BT03"), Some("BT04")),
        ("BT03 | BT04 | BT06", "ranges", Some("BT06"), Some("BT02")),
        ("BT05 | BT08", "ranges", Some("BT08"), Some("BT06")),
        ("BT06", "ranges", Some("BT06"), Some("BT03")),
        ("C.02", "ranges", Some("C.02"), Some("C.03")),
        ("C.03", "ranges", Some("C.03"), Some("B.02")),
        ("HD 16 | HD23", "ranges", Some("HD16"), Some("HD 20")),
        ("SV20.1 | SV23.0", "ranges", Some("SV23"), Some("SV21.0")),
        ("v6.x model 35700BAX", "ranges", Some("6.2"), Some("7.0")),
        ("v8.x model 35700BAX2", "ranges", Some("8.0.1"), Some("9.0")),
        ("v9.x model 35700BAX3", "ranges", Some("v9.1"), Some("8.9")),
        ("vers:all/*", "all", None, None),
        ("< 1.003", "ranges", Some("1.002"), Some("1.003")),
        ("< 1.7.15", "ranges", Some("1.7.14"), Some("1.7.15")),
        ("< 2.003", "ranges", Some("2.0"), Some("2.3")),
        ("< 3.6.7", "ranges", Some("3.6.6"), Some("3.6.7")),
        ("<= 3.0 D15", "ranges", Some("3.0 D14"), Some("3.0 D16")),
        ("<= 3.3.0", "ranges", Some("3.3"), Some("3.3.1")),
        ("<= 6.5", "ranges", Some("6.5"), Some("6.9")),
        ("<= 9.33", "ranges", Some("9.33"), Some("9.34")),
        ("<= 9.5", "ranges", Some("9.5"), Some("9.7")),
        ("<= D25", "ranges", Some("D25"), Some("D26")),
        ("<=1.0", "ranges", Some("1"), Some("1.0.1")),
        ("<=10.17", "ranges", Some("10.17"), Some("10.18")),
        ("<=12.1.2", "ranges", Some("12.1.2"), Some("12.1.3")),
        ("<=12.1.3", "ranges", Some("12.1.3"), Some("12.1.4")),
        ("<=12.3", "ranges", Some("12.2"), Some("12.4")),
        ("<=N", "unknown", None, None),
        (">= 2.0 | <= 3.0", "ranges", Some("2.5"), Some("3.1")),
        (">= 2003 | <= 2006", "ranges", Some("2004"), Some("2007")),
        (">= 4.0 | <= 4.6", "ranges", Some("4.0"), Some("3.9")),
        (">=BT02 | <= BT06", "ranges", Some("BT05"), Some("BT07")),
        (
            "v6.x (with Wireless Battery Modules v9 | v11 | v13 | v14 | v15 | v16 | v16D38 | v17 | v17D19 | >= v20D29 | <= v20D32 | >= v22D24 | <= v22D28)",
            "ranges",
            Some("6.0"),
            Some("8.0"),
        ),
        (
            "v8.x (with Wireless Battery Modules v17 | v17D19 | >= v20D29 | <= v20D32 | >= v22D24 | <= v22D28)",
            "ranges",
            Some("8.1"),
            Some("9"),
        ),
        (
            "v9.x (with Wireless Battery Module >= v22D19 | <= v22D28)",
            "ranges",
            Some("9.9"),
            Some("10"),
        ),
    ];

    fn kind_name(spec: &VersionSpec) -> &'static str {
        match spec.kind {
            SpecKind::All => "all",
            SpecKind::Ranges(_) => "ranges",
            SpecKind::Unknown => "unknown",
        }
    }

    #[test]
    fn every_corpus_version_text_parses_as_expected() {
        for (text, kind, inside, outside) in CORPUS_TEXTS {
            let spec = VersionSpec::parse(text);
            assert_eq!(kind_name(&spec), *kind, "{text}");
            if let Some(v) = inside {
                assert_eq!(contains(text, v), InSpec::In, "{v} in {text}");
            }
            if let Some(v) = outside {
                assert_eq!(contains(text, v), InSpec::Out, "{v} not in {text}");
            }
        }
    }

    /// The list above is the corpus's list: a new advisory with a new form fails here.
    #[test]
    fn the_list_is_every_version_text_of_the_corpus_advisories() {
        fn walk(branches: &[serde_json::Value], out: &mut std::collections::BTreeSet<String>) {
            for b in branches {
                let cat = b["category"].as_str().unwrap_or("");
                if cat == "product_version" || cat == "product_version_range" {
                    out.insert(b["name"].as_str().unwrap().to_string());
                }
                if let Some(children) = b["branches"].as_array() {
                    walk(children, out);
                }
            }
        }
        let mut found = std::collections::BTreeSet::new();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/csaf");
        let mut files = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let doc: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            if let Some(b) = doc["product_tree"]["branches"].as_array() {
                walk(b, &mut found);
            }
            files += 1;
        }
        assert_eq!(files, 15);
        let listed: std::collections::BTreeSet<String> =
            CORPUS_TEXTS.iter().map(|t| t.0.to_string()).collect();
        assert_eq!(found, listed);
    }

    #[test]
    fn conditions_and_models_are_kept_apart_from_the_version() {
        let s = VersionSpec::parse("v9.x (with Wireless Battery Module >= v22D19 | <= v22D28)");
        assert_eq!(
            s.condition,
            "with Wireless Battery Module >= v22D19 | <= v22D28"
        );
        assert_eq!(s.describe(), "v9.x");
        let s = VersionSpec::parse("v8.x model 35700BAX2");
        assert_eq!(s.model.as_deref(), Some("35700BAX2"));
        assert!(s.condition.is_empty());
        assert_eq!(contains("v8.x model 35700BAX2", "8.5"), InSpec::In);
    }

    #[test]
    fn full_product_names_in_words() {
        let cases = [
            (
                "Alaris 8015 PC unit: Versions 9.33 and prior",
                "9.33",
                InSpec::In,
            ),
            (
                "Alaris 8015 PC unit: Version 9.5 and prior versions",
                "9.6",
                InSpec::Out,
            ),
            ("Versions 9.0 and prior", "8.1", InSpec::In),
            ("8.1.1 and earlier", "8.1.2", InSpec::Out),
            ("VC150: prior to Version 1.7.15", "1.7.15", InSpec::Out),
            ("prior to 4.1", "4.0.9", InSpec::In),
            ("DCMTK: All versions prior to 3.6.7", "3.6.6", InSpec::In),
            (
                "MyCareLink Monitor: Versions 24950 and 24952",
                "24950",
                InSpec::In,
            ),
            (
                "MyCareLink Monitor: Versions 24950 and 24952",
                "24951",
                InSpec::Out,
            ),
            ("Agilia Link+: v3.0 D15 and prior", "3.0 D15", InSpec::In),
            (
                "Agilia Connect WiFi module of the pumps: vD25 and prior",
                "D24",
                InSpec::In,
            ),
            (
                "Agilia Connect WiFi module of the pumps: vD25 and prior",
                "D26",
                InSpec::Out,
            ),
            ("4.1 and later", "5", InSpec::In),
            ("4.1 and later", "4.0", InSpec::Out),
            ("2.0 through 3.0", "3.0", InSpec::In),
            ("2.0 to 3.0", "3.1", InSpec::Out),
            ("Version 9.7", "9.7", InSpec::In),
            ("vers:generic/>=1.0|<2.0", "1.9.9", InSpec::In),
            ("vers:generic/>=1.0|<2.0", "2.0", InSpec::Out),
            (">=5.0|<5.2", "5.1", InSpec::In),
            (">=5.0|<5.2", "4.9", InSpec::Out),
            ("<=2.4", "2.4a", InSpec::Out),
            ("<=2.4a", "2.4a", InSpec::In),
            (
                "Philips IntelliVue patient monitor MX400-MX850: <=N.0",
                "1.0",
                InSpec::Unknown,
            ),
        ];
        for (text, v, expected) in cases {
            assert_eq!(contains(text, v), expected, "{v} in {text}");
        }
        for all in [
            "All versions",
            "Brava CRT-D: (all models)",
            "Delta XL: all versions",
            "Optima 520: *",
            "vers:all/*",
            "",
        ] {
            assert!(VersionSpec::parse(all).is_all(), "{all}");
        }
        let xp = VersionSpec::parse("Siemens SPECT Systems: All Windows XP-based versions");
        assert!(xp.is_all());
        assert_eq!(xp.condition, "Windows XP-based");
    }

    #[test]
    fn structured_bounds_from_nvd_and_cve5() {
        let s = VersionSpec::from_bounds(None, None, None, Some("2.4a"), None);
        assert_eq!(s.describe(), "≤ 2.4a");
        assert_eq!(s.contains(&Version::parse("2.4a").unwrap()), InSpec::In);
        assert_eq!(s.contains(&Version::parse("2.4b").unwrap()), InSpec::Out);
        let s = VersionSpec::from_bounds(None, None, None, None, Some("3.6.7"));
        assert_eq!(s.contains(&Version::parse("3.6.6").unwrap()), InSpec::In);
        assert_eq!(s.contains(&Version::parse("3.6.7").unwrap()), InSpec::Out);
        // CVE 5: version "0", lessThanOrEqual "1.52".
        let s = VersionSpec::from_bounds(Some("0"), Some("0"), None, Some("1.52"), None);
        assert_eq!(s.contains(&Version::parse("1.40").unwrap()), InSpec::In);
        assert!(VersionSpec::from_bounds(None, None, None, None, None).is_all());
        assert!(VersionSpec::from_bounds(Some("-"), None, None, None, None).is_all());
        let s = VersionSpec::from_bounds(Some("8.3.32"), None, None, None, None);
        assert_eq!(s.contains(&Version::parse("8.3.32").unwrap()), InSpec::In);
        let s = VersionSpec::from_bounds(None, None, None, Some("N"), None);
        assert_eq!(kind_name(&s), "unknown");
    }

    #[test]
    fn an_unreadable_part_makes_the_whole_text_unknown() {
        assert_eq!(kind_name(&VersionSpec::parse("<=N")), "unknown");
        assert_eq!(kind_name(&VersionSpec::parse("1.0 | N")), "unknown");
        assert_eq!(VersionSpec::parse("<=N").describe(), "unreadable \"<=N\"");
    }
}
