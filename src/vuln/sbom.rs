//! Reading SBOMs (CycloneDX 1.4–1.6 JSON, SPDX 2.2 / 2.3 JSON) into [`Sbom`]s.
//!
//! CycloneDX: `components` (nested `components` flattened, in file order), supplier from
//! `supplier.name`, else `publisher`, else `author`; `purl`, `cpe`, `type`; an empty `version`
//! is kept empty; `metadata.component` is the subject. SPDX: `packages`, `externalRefs` of type
//! `purl` / `cpe23Type` / `cpe22Type`, `supplier` without its `Organization:` / `Person:`
//! prefix (`NOASSERTION` = none), the package `documentDescribes` (or a `DESCRIBES`
//! relationship) names is the subject. The same limits as feeds apply (512 MiB, 100 levels of
//! nesting, UTF-8), and double-encoded UTF-8 is repaired. CycloneDX XML is refused: export it as
//! JSON.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Component;
use super::feed::{parse_json, read_limited, repair_tree, text, utf8_text};
use crate::evidence::file::sha256_hex;

/// An SBOM as medsec keeps it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Sbom {
    /// `CycloneDX` or `SPDX`.
    pub format: String,
    /// `1.4`, `1.5`, `1.6`, `2.2`, `2.3`.
    pub spec_version: String,
    /// What it describes (CycloneDX `metadata.component.name`, the SPDX described package).
    pub subject: String,
    /// Its version.
    pub subject_version: String,
    /// Its supplier.
    pub supplier: String,
    /// The document's own timestamp as written.
    pub created: String,
    /// The components, in file order, without the subject itself.
    pub components: Vec<Component>,
}

/// An SBOM file, read.
#[derive(Debug, Clone, PartialEq)]
pub struct SbomFile {
    /// The file's name without folders.
    pub file_name: String,
    /// SHA-256 of its bytes, 64 lower-case hex digits.
    pub sha256: String,
    /// What it holds.
    pub sbom: Sbom,
    /// What was repaired or noticed, one sentence each.
    pub notes: Vec<String>,
}

/// Why an SBOM could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    /// Not a CycloneDX or SPDX JSON document, or damaged beyond reading.
    #[error("{file}: {reason}")]
    Unreadable {
        /// The file as given.
        file: String,
        /// What is wrong and what to do.
        reason: String,
    },
}

/// Reads one SBOM file (the format recognised from its content).
///
/// Errors: `SbomError::Unreadable` naming the file and the reason.
pub fn read_file(path: &Path) -> Result<SbomFile, SbomError> {
    let shown = path.display().to_string();
    let fail = |reason: String| SbomError::Unreadable {
        file: shown.clone(),
        reason,
    };
    let bytes = read_limited(path).map_err(fail)?;
    let (sbom, notes) = read_bytes(&bytes).map_err(fail)?;
    Ok(SbomFile {
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| shown.clone()),
        sha256: sha256_hex(&bytes),
        sbom,
        notes,
    })
}

/// Reads an SBOM from its bytes; returns it and the notes.
///
/// Errors: the reason, as one sentence without the file name; among them a document with no
/// components (a CycloneDX one with `vulnerabilities` is named a VEX document, to be imported
/// as a feed).
pub fn read_bytes(bytes: &[u8]) -> Result<(Sbom, Vec<String>), String> {
    let text = utf8_text(bytes, "SBOM files")?;
    let head = text.trim_start();
    if head.starts_with('<') {
        return Err(if head.contains("cyclonedx") {
            "is CycloneDX XML; medsec reads SBOMs as JSON — export it as CycloneDX JSON and import that".to_string()
        } else {
            "is XML, not a CycloneDX or SPDX JSON SBOM".to_string()
        });
    }
    if !head.starts_with('{') {
        return Err(
            "is not JSON (SPDX tag-value and other forms are not read; export it as SPDX or CycloneDX JSON)"
                .to_string(),
        );
    }
    let mut value = parse_json(text)?;
    let mut notes = Vec::new();
    repair_tree(&mut value, &mut notes);
    let sbom = if value
        .get("bomFormat")
        .and_then(Value::as_str)
        .is_some_and(|f| f.eq_ignore_ascii_case("CycloneDX"))
    {
        cyclonedx(&value, &mut notes)
    } else if value.get("spdxVersion").is_some() {
        spdx(&value, &mut notes)
    } else {
        let keys: Vec<&str> = value
            .as_object()
            .map(|o| o.keys().map(String::as_str).take(8).collect())
            .unwrap_or_default();
        return Err(format!(
            "is neither a CycloneDX (bomFormat) nor an SPDX (spdxVersion) SBOM (top-level keys: {})",
            if keys.is_empty() {
                "none".to_string()
            } else {
                keys.join(", ")
            }
        ));
    };
    if sbom.components.is_empty() {
        let vulnerabilities = value
            .get("vulnerabilities")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        return Err(if sbom.format == "CycloneDX" && vulnerabilities {
            "is a VEX document (CycloneDX with vulnerabilities and no components), not an SBOM: import it with `medsec import feed FILE`".to_string()
        } else {
            format!(
                "is a {} document that holds no components; an SBOM lists the device's software — export it again with its components",
                sbom.format
            )
        });
    }
    let empty_versions = sbom
        .components
        .iter()
        .filter(|c| c.version.is_empty())
        .count();
    if empty_versions > 0 {
        notes.push(format!(
            "{empty_versions} component(s) have no version; they can match only by name or CPE"
        ));
    }
    Ok((sbom, notes))
}

fn opt(v: &Value, key: &str) -> Option<String> {
    let t = text(v, key);
    (!t.is_empty()).then_some(t)
}

fn cdx_supplier(c: &Value) -> String {
    let supplier = c
        .get("supplier")
        .map(|s| text(s, "name"))
        .unwrap_or_default();
    if !supplier.is_empty() {
        return supplier;
    }
    let publisher = text(c, "publisher");
    if !publisher.is_empty() {
        return publisher;
    }
    let author = text(c, "author");
    if !author.is_empty() {
        return author;
    }
    // CycloneDX 1.6: `authors[]` objects.
    c.get("authors")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .map(|a| text(a, "name"))
        .unwrap_or_default()
}

fn cdx_component(c: &Value) -> Component {
    Component {
        name: text(c, "name"),
        version: text(c, "version"),
        supplier: cdx_supplier(c),
        purl: opt(c, "purl"),
        cpe: opt(c, "cpe"),
        kind: text(c, "type").to_ascii_lowercase(),
    }
}

fn cdx_walk(list: Option<&Value>, out: &mut Vec<Component>) {
    for c in list
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        out.push(cdx_component(c));
        cdx_walk(c.get("components"), out);
    }
}

fn cyclonedx(v: &Value, notes: &mut Vec<String>) -> Sbom {
    let meta = v.get("metadata").cloned().unwrap_or(Value::Null);
    let subject = meta.get("component").map(cdx_component).unwrap_or_default();
    let mut components = Vec::new();
    cdx_walk(v.get("components"), &mut components);
    let spec_version = text(v, "specVersion");
    if !["1.4", "1.5", "1.6"].contains(&spec_version.as_str()) {
        notes.push(format!(
            "CycloneDX {spec_version:?} is not 1.4–1.6; read by the same rules"
        ));
    }
    let mut supplier = meta
        .get("supplier")
        .map(|s| text(s, "name"))
        .unwrap_or_default();
    if supplier.is_empty() {
        supplier = meta
            .get("manufacture")
            .or_else(|| meta.get("manufacturer"))
            .map(|s| text(s, "name"))
            .unwrap_or_default();
    }
    if supplier.is_empty() {
        supplier = subject.supplier.clone();
    }
    Sbom {
        format: "CycloneDX".to_string(),
        spec_version,
        subject: subject.name,
        subject_version: subject.version,
        supplier,
        created: text(&meta, "timestamp"),
        components,
    }
}

/// An SPDX `supplier` without its `Organization:` / `Person:` / `Tool:` prefix; empty for
/// `NOASSERTION`.
fn spdx_supplier(raw: &str) -> String {
    let mut s = raw.trim();
    for prefix in ["Organization:", "Person:", "Tool:"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim();
        }
    }
    if s.eq_ignore_ascii_case("NOASSERTION") {
        String::new()
    } else {
        s.to_string()
    }
}

fn spdx_package(p: &Value) -> Component {
    let mut purl = None;
    let mut cpe = None;
    for r in p
        .get("externalRefs")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let locator = text(r, "referenceLocator");
        match text(r, "referenceType").to_ascii_lowercase().as_str() {
            "purl" if purl.is_none() => purl = Some(locator),
            "cpe23type" => cpe = Some(locator),
            "cpe22type" if cpe.is_none() => cpe = Some(locator),
            _ => {}
        }
    }
    let mut supplier = spdx_supplier(&text(p, "supplier"));
    if supplier.is_empty() {
        supplier = spdx_supplier(&text(p, "originator"));
    }
    let version = text(p, "versionInfo");
    Component {
        name: text(p, "name"),
        version: if version.eq_ignore_ascii_case("NOASSERTION") {
            String::new()
        } else {
            version
        },
        supplier,
        purl,
        cpe,
        kind: text(p, "primaryPackagePurpose")
            .to_ascii_lowercase()
            .replace('_', "-"),
    }
}

fn spdx(v: &Value, notes: &mut Vec<String>) -> Sbom {
    let spec_version = text(v, "spdxVersion")
        .trim_start_matches("SPDX-")
        .to_string();
    if !["2.2", "2.3"].contains(&spec_version.as_str()) {
        notes.push(format!(
            "SPDX {spec_version:?} is not 2.2 or 2.3; read by the same rules"
        ));
    }
    let doc_id = text(v, "SPDXID");
    let mut described: Vec<String> = v
        .get("documentDescribes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if described.is_empty() {
        for r in v
            .get("relationships")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if text(r, "relationshipType") == "DESCRIBES" && text(r, "spdxElementId") == doc_id {
                described.push(text(r, "relatedSpdxElement"));
            }
        }
    }
    let packages = v
        .get("packages")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let subject_id = described.first().cloned().unwrap_or_default();
    let mut subject = Component::default();
    let mut components = Vec::new();
    for p in packages {
        let c = spdx_package(p);
        if !subject_id.is_empty() && text(p, "SPDXID") == subject_id {
            subject = c;
        } else {
            components.push(c);
        }
    }
    if subject_id.is_empty() {
        notes.push("the SPDX document names no described package (documentDescribes)".into());
    }
    Sbom {
        format: "SPDX".to_string(),
        spec_version,
        subject: if subject.name.is_empty() {
            text(v, "name")
        } else {
            subject.name
        },
        subject_version: subject.version,
        supplier: subject.supplier,
        created: v
            .get("creationInfo")
            .map(|c| text(c, "created"))
            .unwrap_or_default(),
        components,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cyclonedx_case_study_sboms() {
        let base = Path::new("../shared/corpus/sbom");
        let ext =
            read_file(&base.join("sbom-completeness-case-study-extended.cdx14.json")).unwrap();
        let s = &ext.sbom;
        assert_eq!(
            (s.format.as_str(), s.spec_version.as_str()),
            ("CycloneDX", "1.4")
        );
        assert_eq!(s.components.len(), 65);
        assert_eq!(s.subject, "REDACTED");
        let count = |k: &str| s.components.iter().filter(|c| c.kind == k).count();
        assert_eq!(
            (count("library"), count("firmware"), count("device")),
            (52, 9, 2)
        );
        assert!(
            s.components
                .iter()
                .all(|c| c.cpe.is_some() && c.purl.is_some())
        );
        assert!(s.components.iter().any(|c| c.version.is_empty()));
        assert!(ext.notes.iter().any(|n| n.contains("no version")));
        let unifi = s
            .components
            .iter()
            .find(|c| c.name == "UniFi Network Application")
            .unwrap();
        assert_eq!(unifi.supplier, "Ubiquiti");
        assert_eq!(unifi.version, "8.3.32");
        assert_eq!(ext.sha256.len(), 64);
        let narrow =
            read_file(&base.join("sbom-completeness-case-study-narrow.cdx14.json")).unwrap();
        assert_eq!(narrow.sbom.components.len(), 55);
    }

    #[test]
    fn cyclonedx_nested_components_and_suppliers() {
        let json = r#"{"bomFormat":"CycloneDX","specVersion":"1.6",
          "metadata":{"timestamp":"2025-01-01T00:00:00Z","component":{"name":"Pump","version":"2.1",
            "supplier":{"name":"Acme Medical"}}},
          "components":[{"type":"firmware","name":"fw","version":"1.0","supplier":{"name":"Acme"},
            "components":[{"type":"library","name":"zlib","version":"1.2.11","author":"Jean-loup",
              "purl":"pkg:generic/zlib@1.2.11"}]},
            {"type":"library","name":"x","version":"","authors":[{"name":"Team X"}],"unknown":{}}]}"#;
        let (s, _) = read_bytes(json.as_bytes()).unwrap();
        assert_eq!(s.subject, "Pump");
        assert_eq!(s.subject_version, "2.1");
        assert_eq!(s.supplier, "Acme Medical");
        let names: Vec<&str> = s.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["fw", "zlib", "x"]);
        assert_eq!(s.components[1].supplier, "Jean-loup");
        assert_eq!(s.components[2].supplier, "Team X");
        assert_eq!(s.components[2].version, "");
    }

    #[test]
    fn spdx_packages_refs_and_described_subject() {
        let json = r#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"doc",
          "creationInfo":{"created":"2024-05-01T10:00:00Z"},
          "documentDescribes":["SPDXRef-dev"],
          "packages":[
            {"SPDXID":"SPDXRef-dev","name":"Monitor","versionInfo":"4.0","supplier":"Organization: Acme Medical"},
            {"SPDXID":"SPDXRef-ssl","name":"openssl","versionInfo":"1.1.1k","supplier":"Organization: OpenSSL",
             "primaryPackagePurpose":"LIBRARY",
             "externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:generic/openssl@1.1.1k"},
               {"referenceCategory":"SECURITY","referenceType":"cpe23Type","referenceLocator":"cpe:2.3:a:openssl:openssl:1.1.1k:*:*:*:*:*:*:*"}]},
            {"SPDXID":"SPDXRef-x","name":"x","versionInfo":"NOASSERTION","supplier":"NOASSERTION"}]}"#;
        let (s, _) = read_bytes(json.as_bytes()).unwrap();
        assert_eq!(
            (s.format.as_str(), s.spec_version.as_str()),
            ("SPDX", "2.3")
        );
        assert_eq!(s.subject, "Monitor");
        assert_eq!(s.supplier, "Acme Medical");
        assert_eq!(s.created, "2024-05-01T10:00:00Z");
        assert_eq!(s.components.len(), 2);
        let ssl = &s.components[0];
        assert_eq!(ssl.supplier, "OpenSSL");
        assert_eq!(ssl.kind, "library");
        assert!(ssl.purl.is_some() && ssl.cpe.is_some());
        assert_eq!(s.components[1].version, "");
        assert_eq!(s.components[1].supplier, "");
        let v22 = json.replace("SPDX-2.3", "SPDX-2.2").replace(
            r#""documentDescribes":["SPDXRef-dev"],"#,
            r#""relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-dev"}],"#,
        );
        let (s, _) = read_bytes(v22.as_bytes()).unwrap();
        assert_eq!(s.subject, "Monitor");
    }

    #[test]
    fn refusals() {
        let xml =
            br#"<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"></bom>"#;
        assert!(
            read_bytes(xml)
                .unwrap_err()
                .contains("export it as CycloneDX JSON")
        );
        assert!(read_bytes(b"").unwrap_err().contains("empty"));
        assert!(read_bytes(br#"{"a":1}"#).unwrap_err().contains("neither"));
        assert!(
            read_bytes(br#"{"bomFormat":"CycloneDX""#)
                .unwrap_err()
                .contains("truncated")
        );
        assert!(
            read_bytes(b"{\"a\":\"Dr\xe4ger\"}")
                .unwrap_err()
                .contains("SBOM files are UTF-8")
        );
    }

    #[test]
    fn a_vex_document_or_a_bom_without_components_is_refused() {
        let vex = read_file(Path::new(
            "../shared/corpus/sbom/cyclonedx-vex-cisa-case1-affected.json",
        ))
        .unwrap_err()
        .to_string();
        assert!(
            vex.contains("is a VEX document") && vex.contains("`medsec import feed FILE`"),
            "{vex}"
        );
        for empty in [
            r#"{"bomFormat":"CycloneDX","specVersion":"1.5"}"#,
            r#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[],"vulnerabilities":[]}"#,
        ] {
            let err = read_bytes(empty.as_bytes()).unwrap_err();
            assert!(err.contains("holds no components"), "{err}");
        }
    }
}
