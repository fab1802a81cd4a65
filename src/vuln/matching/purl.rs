//! Package URLs (`pkg:type/namespace/name@version?qualifiers#subpath`), as SBOMs and VEX
//! documents name components.
//!
//! Rules (the purl specification): the scheme `pkg:` may be followed by `/`s, which are
//! ignored; the type is lower case; namespace segments and the name are percent-decoded; the
//! version is everything after the last `@` of the path; qualifiers and subpath do not take
//! part in matching. For `github`, `bitbucket`, `generic`, `npm`, `pypi`, `golang`, `cargo`
//! and `nuget` names and namespaces compare case-insensitively (their registries do), and
//! `pypi` also treats `_`, `-` and `.` alike.

use super::cpe::percent_decode;

/// A parsed package URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// `npm`, `pypi`, `generic`, `github`, … lower case.
    pub kind: String,
    /// Namespace (`freertos`, `@angular`), may be empty.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Version, may be empty.
    pub version: String,
}

/// Why a package URL could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurlError {
    /// It does not start with `pkg:`.
    #[error("\"{0}\" is not a package URL (it does not start with pkg:)")]
    NotPurl(String),
    /// No type or no name.
    #[error("package URL \"{0}\" has no type or no name")]
    Incomplete(String),
}

const CASE_INSENSITIVE: &[&str] = &[
    "github",
    "bitbucket",
    "generic",
    "npm",
    "pypi",
    "golang",
    "cargo",
    "nuget",
    "composer",
];

impl Purl {
    /// Reads a package URL.
    ///
    /// # Errors
    /// [`PurlError`] naming the text when it does not start with `pkg:` or lacks a type or a
    /// name.
    pub fn parse(text: &str) -> Result<Purl, PurlError> {
        let t = text.trim();
        let Some(rest) = t.strip_prefix("pkg:").or_else(|| t.strip_prefix("PKG:")) else {
            return Err(PurlError::NotPurl(t.to_string()));
        };
        let rest = rest.trim_start_matches('/');
        let rest = rest.split('#').next().unwrap_or("");
        let rest = rest.split('?').next().unwrap_or("");
        let (path, version) = match rest.rfind('@') {
            // `@` at the start of a segment is an npm scope, not a version.
            Some(pos) if pos > 0 && !rest[..pos].ends_with('/') => {
                (&rest[..pos], percent_decode(&rest[pos + 1..]))
            }
            _ => (rest, String::new()),
        };
        let mut segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        if segments.len() < 2 {
            return Err(PurlError::Incomplete(t.to_string()));
        }
        let kind = segments.remove(0).to_lowercase();
        let name = segments.pop().unwrap_or_default();
        let namespace = segments.join("/");
        if name.is_empty() {
            return Err(PurlError::Incomplete(t.to_string()));
        }
        Ok(Purl {
            kind,
            namespace,
            name,
            version,
        })
    }

    /// The identity matching compares: type, namespace and name, folded as the type's
    /// registry compares them (see the module comment).
    pub fn key(&self) -> (String, String, String) {
        let fold = CASE_INSENSITIVE.contains(&self.kind.as_str());
        let norm = |s: &str| {
            let s = if fold {
                s.to_lowercase()
            } else {
                s.to_string()
            };
            if self.kind == "pypi" {
                s.replace(['_', '.'], "-")
            } else {
                s
            }
        };
        (self.kind.clone(), norm(&self.namespace), norm(&self.name))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_the_parts() {
        let p = Purl::parse("pkg:github/freertos/freertos@10.0.1").unwrap();
        assert_eq!(
            (
                p.kind.as_str(),
                p.namespace.as_str(),
                p.name.as_str(),
                p.version.as_str()
            ),
            ("github", "freertos", "freertos", "10.0.1")
        );
        let p = Purl::parse("pkg:generic/qualcomm_atheros_qca9563").unwrap();
        assert_eq!(p.namespace, "");
        assert_eq!(p.name, "qualcomm_atheros_qca9563");
        assert_eq!(p.version, "");
        let p = Purl::parse("pkg:npm/%40angular/core@12.0.0?arch=x86#src/lib").unwrap();
        assert_eq!(p.namespace, "@angular");
        assert_eq!(p.name, "core");
        assert_eq!(p.version, "12.0.0");
        let p = Purl::parse("pkg:npm/@angular/core").unwrap();
        assert_eq!(p.namespace, "@angular");
        assert_eq!(p.version, "");
        let p = Purl::parse("pkg://maven/org.apache/log4j-core@2.14.1").unwrap();
        assert_eq!(p.kind, "maven");
        assert_eq!(p.namespace, "org.apache");
    }

    #[test]
    fn keys_fold_as_the_registry_does() {
        let a = Purl::parse("pkg:pypi/Django_REST@1").unwrap();
        let b = Purl::parse("pkg:pypi/django-rest@2").unwrap();
        assert_eq!(a.key(), b.key());
        let a = Purl::parse("pkg:maven/org.Apache/Log4j@1").unwrap();
        let b = Purl::parse("pkg:maven/org.apache/log4j@1").unwrap();
        assert_ne!(a.key(), b.key());
        let a = Purl::parse("pkg:GitHub/WolfSSL/wolfssl@4.8.1").unwrap();
        assert_eq!(
            a.key(),
            ("github".into(), "wolfssl".into(), "wolfssl".into())
        );
    }

    #[test]
    fn bad_urls_are_errors_that_name_the_text() {
        assert_eq!(
            Purl::parse("cpe:/a:x:y").unwrap_err().to_string(),
            "\"cpe:/a:x:y\" is not a package URL (it does not start with pkg:)"
        );
        assert!(matches!(
            Purl::parse("pkg:npm"),
            Err(PurlError::Incomplete(_))
        ));
    }
}
