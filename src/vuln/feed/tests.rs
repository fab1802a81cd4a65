#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use super::*;
use crate::vuln::{FeedKind, FixStatus, ProductStatus, Vulnerability};

fn corpus(rel: &str) -> PathBuf {
    PathBuf::from("../shared/corpus").join(rel)
}

fn advisory(file: &FeedFile) -> (&crate::vuln::FeedInfo, &[Vulnerability]) {
    match &file.documents[0] {
        FeedDocument::Advisory {
            info,
            vulnerabilities,
        } => (info, vulnerabilities),
        FeedDocument::Kev { .. } => panic!("not an advisory"),
    }
}

#[test]
fn all_fifteen_csaf_advisories_import_with_their_product_trees() {
    let expected = [
        ("icsma-17-017-02-redacted.json", 3, 2),
        ("icsma-17-215-01.json", 4, 2),
        ("icsma-18-037-02-redacted.json", 32, 23),
        ("icsma-18-058-02.json", 2, 35),
        ("icsma-18-233-01.json", 1, 1),
        ("icsma-19-022-01-redacted.json", 4, 3),
        ("icsma-19-080-01-redacted.json", 22, 2),
        ("icsma-19-274-01-redacted.json", 9, 11),
        ("icsma-20-170-04.json", 6, 6),
        ("icsma-20-254-01-redacted.json", 9, 8),
        ("icsma-20-343-01-redacted.json", 107, 2),
        ("icsma-21-007-01-redacted.json", 1, 2),
        ("icsma-21-355-01-redacted.json", 3, 13),
        ("icsma-22-174-01-redacted.json", 1, 3),
        ("icsma-23-194-01.json", 6, 8),
    ];
    for (name, products, vulns) in expected {
        let path = corpus(&format!("csaf/{name}"));
        let text = std::fs::read_to_string(&path).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(csaf::product_tree(&value).len(), products, "{name}");
        let file = read_file(&path).unwrap();
        let (info, vs) = advisory(&file);
        assert_eq!(info.kind, FeedKind::Csaf);
        assert_eq!(vs.len(), vulns, "{name}");
        let stem = name.trim_end_matches(".json").trim_end_matches("-redacted");
        assert_eq!(info.name, stem.to_ascii_uppercase(), "{name}");
        // Every status resolved to a named product of the tree: none kept by bare ID.
        assert!(
            vs.iter()
                .flat_map(|v| &v.products)
                .all(|p| !p.product.starts_with("CSAFPID")),
            "{name}"
        );
        assert!(vs.iter().all(|v| !v.products.is_empty()), "{name}");
    }
}

#[test]
fn csaf_facts_come_from_tracking_branches_scores_and_remediations() {
    let file = read_file(&corpus("csaf/icsma-18-058-02.json")).unwrap();
    let (info, vs) = advisory(&file);
    assert_eq!(info.name, "ICSMA-18-058-02");
    assert!(!info.version.is_empty());
    // The vendor is kept as written: "Phillips".
    assert!(vs[0].products.iter().all(|p| p.vendor == "Phillips"));
    assert!(vs.iter().any(|v| v.cve == "CVE-2017-0144"));
    let versions: Vec<&str> = vs
        .iter()
        .flat_map(|v| &v.scores)
        .map(|s| s.version.as_str())
        .collect();
    assert!(versions.contains(&"3.0") && versions.contains(&"3.1"));
    assert!(vs.iter().all(|v| v.advisories == ["ICSMA-18-058-02"]));
    assert!(vs[0].products[0].status == ProductStatus::Affected);
    assert!(!vs[0].products[0].version_text.is_empty());

    let file = read_file(&corpus("csaf/icsma-19-022-01-redacted.json")).unwrap();
    let (_, vs) = advisory(&file);
    assert_eq!(vs[0].products[0].vendor, "Dräger");
    assert!(file.notes.iter().all(|n| !n.contains("double-encoded")));
    assert_eq!(vs[0].fix, FixStatus::FixValidated);
    assert!(!vs[0].remediation.is_empty());

    let file = read_file(&corpus("csaf/icsma-17-215-01.json")).unwrap();
    let (_, vs) = advisory(&file);
    assert!(
        vs.iter().all(|v| v.fix == FixStatus::Unknown),
        "mitigation only"
    );
}

#[test]
fn csaf_mojibake_is_repaired_and_reported() {
    let file = read_file(&corpus("csaf/icsma-21-007-01-redacted.json")).unwrap();
    let (info, vs) = advisory(&file);
    assert_eq!(vs[0].products[0].vendor, "Innokas Yhtymä Oy");
    assert!(!info.title.contains('Ã'));
    let note = file
        .notes
        .iter()
        .find(|n| n.contains("double-encoded UTF-8"))
        .unwrap();
    assert!(
        note.contains("YhtymÃ¤") && note.contains("Yhtymä"),
        "{note}"
    );
    assert_eq!(repair_mojibake("Dräger"), None);
    assert_eq!(repair_mojibake("plain"), None);
    assert_eq!(repair_mojibake("YhtymÃ¤").as_deref(), Some("Yhtymä"));
}

#[test]
fn csaf_lenient_on_missing_products_empty_notes_unknown_fields() {
    let json = r#"{"document":{"csaf_version":"2.0","title":"T","x-unknown":1,
        "tracking":{"id":"TEST-1","current_release_date":"2024-01-02T00:00:00Z","version":"2"}},
        "product_tree":{"branches":[{"category":"vendor","name":"Acme","branches":[
          {"category":"product_family","name":"Pumps","branches":[
            {"category":"product_name","name":"P1","branches":[
              {"category":"product_version","name":"1.0","product":{"name":"Acme P1 1.0",
               "product_id":"A","product_identification_helper":{"cpe":"cpe:2.3:h:acme:p1:1.0:*:*:*:*:*:*:*","purl":"pkg:generic/acme/p1@1.0"}}}]}]}]}]},
        "vulnerabilities":[{"cve":"CVE-2024-0001","notes":[],
          "product_status":{"fixed":["A"],"known_not_affected":["ZZZ"],"under_investigation":["A"]},
          "scores":[{"cvss_v4":{"baseScore":8.7,"vectorString":"CVSS:4.0/AV:N","version":"4.0"},"products":["A"]}],
          "remediations":[{"category":"no_fix_planned","details":""}]}]}"#;
    let (docs, notes) = read_bytes("x.json", json.as_bytes()).unwrap();
    let FeedDocument::Advisory {
        info,
        vulnerabilities,
    } = &docs[0]
    else {
        panic!()
    };
    assert_eq!(info.feed_date.to_string(), "2024-01-02");
    assert_eq!(info.version, "2");
    let v = &vulnerabilities[0];
    assert_eq!(v.products.len(), 3);
    let p = &v.products[0];
    assert_eq!(
        (
            p.vendor.as_str(),
            p.product.as_str(),
            p.version_text.as_str()
        ),
        ("Acme", "P1", "1.0")
    );
    assert_eq!(p.status, ProductStatus::Fixed);
    assert_eq!(p.purl.as_deref(), Some("pkg:generic/acme/p1@1.0"));
    assert!(p.cpe.is_some());
    assert_eq!(v.products[1].status, ProductStatus::NotAffected);
    assert_eq!(v.products[1].product, "ZZZ");
    assert_eq!(v.products[2].status, ProductStatus::UnderInvestigation);
    assert_eq!(v.fix, FixStatus::NoFixPlanned);
    assert_eq!(v.scores[0].version, "4.0");
    assert_eq!(v.scores[0].severity, "HIGH");
    assert!(notes.iter().any(|n| n.contains("ZZZ")), "{notes:?}");
    assert!(
        notes.iter().any(|n| n.contains("without notes")),
        "{notes:?}"
    );
}

fn kev(file: &FeedFile) -> (&crate::vuln::FeedInfo, &[crate::vuln::KevEntry]) {
    match &file.documents[0] {
        FeedDocument::Kev { info, entries } => (info, entries),
        FeedDocument::Advisory { .. } => panic!("not KEV"),
    }
}

#[test]
fn kev_json_snapshots_and_csv() {
    let file = read_file(&corpus("kev/known_exploited_vulnerabilities-redacted.json")).unwrap();
    let (info, entries) = kev(&file);
    assert_eq!(entries.len(), 1404);
    assert_eq!(info.feed_date.to_string(), "2025-08-25");
    assert_eq!(info.version, "2025.08.25");
    assert_eq!(info.dated_name(), "KEV of 2025-08-25");
    // `\/` escapes read as slashes; cwes as a list; non-ASCII kept.
    assert!(entries.iter().any(|e| e.notes.contains("https://")));
    assert!(entries.iter().all(|e| !e.notes.contains("\\/")));
    assert!(entries.iter().any(|e| e.cwes.len() > 1));
    assert!(entries.iter().any(|e| !e.description.is_ascii()));
    assert!(entries.iter().any(|e| e.ransomware == "Known"));
    let eternal = entries.iter().find(|e| e.cve == "CVE-2017-0144").unwrap();
    assert!(eternal.due_date.is_some() && eternal.date_added.is_some());

    let old = read_file(&corpus(
        "kev/known_exploited_vulnerabilities-2025.01.24-redacted.json",
    ))
    .unwrap();
    let (info, entries) = kev(&old);
    assert_eq!(entries.len(), 1252);
    assert_eq!(info.version, "2025.01.24");

    let csv = read_file(&corpus("kev/known_exploited_vulnerabilities-redacted.csv")).unwrap();
    let (cinfo, centries) = kev(&csv);
    assert_eq!(centries.len(), 1404);
    assert_eq!(cinfo.feed_date.to_string(), "2025-08-25");
    assert!(csv.notes.iter().any(|n| n.contains("newest dateAdded")));
    // Commas inside descriptions stay in the field; the JSON and CSV agree entry by entry.
    let (_, jentries) = kev(&file);
    assert!(centries.iter().any(|e| e.description.contains(',')));
    assert!(centries.iter().any(|e| !e.description.is_ascii()));
    for (c, j) in centries.iter().zip(jentries) {
        assert_eq!(c.cve, j.cve);
        assert_eq!(c.description, j.description);
        assert_eq!(c.due_date, j.due_date);
        assert_eq!(c.cwes, j.cwes);
    }
}

#[test]
fn nvd_records() {
    let file = read_file(&corpus("nvd/CVE-2019-10964.nvd-api2.json")).unwrap();
    let (info, vs) = advisory(&file);
    assert_eq!(info.kind, FeedKind::Nvd);
    assert_eq!(info.name, "CVE-2019-10964");
    let v = &vs[0];
    let firmware: Vec<_> = v.products.iter().filter(|p| !p.platform_only).collect();
    let hardware: Vec<_> = v.products.iter().filter(|p| p.platform_only).collect();
    assert_eq!(firmware.len(), 19);
    assert_eq!(hardware.len(), 19);
    assert!(
        hardware
            .iter()
            .all(|p| p.cpe.as_deref().unwrap().starts_with("cpe:2.3:h:"))
    );
    assert!(
        v.products
            .iter()
            .any(|p| p.end_including.as_deref() == Some("2.4a"))
    );
    assert_eq!(firmware[0].vendor, "medtronic");
    // One hardware (platform) CPE carries a version range of its own.
    assert!(hardware.iter().any(|p| p.end_including.is_some()
        || p.end_excluding.is_some()
        || p.start_including.is_some()));
    let mut scores: Vec<(String, String, f64)> = v
        .scores
        .iter()
        .map(|s| (s.source.clone(), s.version.clone(), s.base_score))
        .collect();
    scores.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        scores,
        vec![
            ("NVD".to_string(), "2.0".to_string(), 5.8),
            ("NVD".to_string(), "3.0".to_string(), 8.8),
            (
                "CNA ics-cert@hq.dhs.gov".to_string(),
                "3.1".to_string(),
                7.1
            ),
        ]
    );
    assert!(
        v.scores
            .iter()
            .any(|s| s.version == "2.0" && s.severity == "MEDIUM")
    );
    assert!(v.description.contains("\n\n"));

    let file = read_file(&corpus("nvd/CVE-2022-2119.nvd-api2.json")).unwrap();
    let (_, vs) = advisory(&file);
    let v = &vs[0];
    assert_eq!(v.products[0].end_excluding.as_deref(), Some("3.6.7"));
    assert_eq!(v.products[0].product, "dcmtk");
    let bases: Vec<f64> = v.scores.iter().map(|s| s.base_score).collect();
    assert!(bases.contains(&7.5) && bases.contains(&9.8), "{bases:?}");

    let file = read_file(&corpus("nvd/CVE-2024-6795.nvd-api2.json")).unwrap();
    let (info, vs) = advisory(&file);
    assert_eq!(info.version, "Received");
    assert!(vs[0].products.is_empty());
    assert_eq!(vs[0].scores[0].base_score, 10.0);
    assert!(vs[0].description.contains('\u{a0}'));
    assert!(
        file.notes
            .iter()
            .any(|n| n.contains("no CPE configurations"))
    );
}

#[test]
fn nvd_full_api_response_gives_one_document_per_record() {
    let one = std::fs::read_to_string(corpus("nvd/CVE-2022-2119.nvd-api2.json")).unwrap();
    let two = std::fs::read_to_string(corpus("nvd/CVE-2024-6795.nvd-api2.json")).unwrap();
    let response = format!(
        r#"{{"resultsPerPage":2,"startIndex":0,"totalResults":2,"format":"NVD_CVE","version":"2.0",
        "timestamp":"2024-09-01T00:00:00.000","vulnerabilities":[{{"cve":{one}}},{{"cve":{two}}}]}}"#
    );
    let (docs, _) = read_bytes("resp.json", response.as_bytes()).unwrap();
    assert_eq!(docs.len(), 2);
}

#[test]
fn cve5_record_with_cvss4_less_than_or_equal_and_adp() {
    let file = read_file(&corpus("nvd/CVE-2024-1275.cve5-redacted.json")).unwrap();
    let (info, vs) = advisory(&file);
    assert_eq!(info.kind, FeedKind::CveRecord);
    assert_eq!(info.feed_date.to_string(), "2024-08-01");
    let v = &vs[0];
    assert_eq!(v.scores.len(), 1);
    assert_eq!(v.scores[0].version, "4.0");
    assert_eq!(v.scores[0].base_score, 9.1);
    assert_eq!(v.scores[0].source, "CNA Baxter");
    let cna = &v.products[0];
    assert_eq!(cna.vendor, "Baxter");
    assert_eq!(cna.product, "Welch Allyn Connex Spot Monitor");
    assert_eq!(cna.end_including.as_deref(), Some("1.52"));
    assert_eq!(cna.start_including, None);
    assert_eq!(cna.version_text, "<= 1.52");
    assert_eq!(cna.status, ProductStatus::Affected);
    assert!(
        v.products
            .iter()
            .any(|p| p.cpe.as_deref().is_some_and(|c| c.contains("baxter")))
    );
    assert!(v.advisories.contains(&"ICSMA-24-151-02".to_string()));
}

#[test]
fn vex_states_map_to_product_status() {
    for (name, status, fix) in [
        ("affected", ProductStatus::Affected, None),
        ("fixed", ProductStatus::Fixed, Some(FixStatus::FixValidated)),
        (
            "not_affected",
            ProductStatus::NotAffected,
            Some(FixStatus::NoFixPlanned),
        ),
        (
            "under_investigation",
            ProductStatus::UnderInvestigation,
            None,
        ),
    ] {
        let file = read_file(&corpus(&format!(
            "sbom/cyclonedx-vex-cisa-case1-{name}.json"
        )))
        .unwrap();
        let (info, vs) = advisory(&file);
        assert_eq!(info.kind, FeedKind::Vex);
        assert_eq!(vs[0].cve, "CVE-2021-44228");
        assert_eq!(vs[0].products[0].status, status, "{name}");
        assert!(!vs[0].products[0].product.is_empty(), "{name}");
        if let Some(fix) = fix {
            assert_eq!(vs[0].fix, fix, "{name}");
        }
    }
}

#[test]
fn broken_inputs_are_refused_with_a_reason() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "is empty"),
        ("spaces", b"  \n".to_vec(), "is empty"),
        (
            "truncated",
            br#"{"document":{"csaf_version":"2.0","tracking":{"id":"X""#.to_vec(),
            "truncated",
        ),
        (
            "latin1",
            b"{\"title\":\"Dr\xe4ger\"}".to_vec(),
            "not UTF-8 (line 1, byte 13",
        ),
        (
            "bomb",
            {
                let mut b = "[".repeat(200).into_bytes();
                b.extend("]".repeat(200).bytes());
                b
            },
            "more than 100 levels",
        ),
        (
            "unknown",
            br#"{"hello":"world"}"#.to_vec(),
            "unknown shape (top-level keys: hello)",
        ),
        (
            "text",
            b"just some words".to_vec(),
            "neither JSON nor a KEV CSV",
        ),
        (
            "sbom",
            br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}"#.to_vec(),
            "import sbom",
        ),
        ("garbage", b"{\"a\": tru}".to_vec(), "not valid JSON"),
    ];
    for (name, bytes, want) in cases {
        let err = read_bytes(name, &bytes).unwrap_err();
        assert!(err.contains(want), "{name}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let err = read_file(dir.path()).unwrap_err().to_string();
    assert!(err.contains("is a folder"), "{err}");
    // Over 512 MiB: refused from its size, before it is read (a sparse file).
    let big = dir.path().join("big.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(MAX_FILE_BYTES + 1)
        .unwrap();
    let err = read_file(&big).unwrap_err().to_string();
    assert!(err.contains("over the limit of 536870912 bytes"), "{err}");
}

/// The corpus KEV CSV, its header and first `rows` rows (one row a line in this file).
fn kev_csv_head(rows: usize) -> String {
    let text = std::fs::read_to_string(corpus("kev/known_exploited_vulnerabilities-redacted.csv"))
        .unwrap();
    let mut out: String = text.lines().take(rows + 1).collect::<Vec<_>>().join("\n");
    out.push('\n');
    out
}

#[test]
fn damaged_kev_csv_is_refused_naming_the_line() {
    let good = kev_csv_head(499);
    let (docs, _) = read_bytes("ok.csv", good.as_bytes()).unwrap();
    assert!(matches!(&docs[0], FeedDocument::Kev { entries, .. } if entries.len() == 499));
    let lines: Vec<&str> = good.lines().collect();
    let with = |at: usize, line: &str| {
        let mut l = lines.clone();
        l[at] = line;
        l.join("\n") + "\n"
    };
    let cut = lines[499].chars().take(30).collect::<String>();
    let cases: Vec<(&str, String, &str)> = vec![
        // The tester's file: the last row cut at 30 characters.
        (
            "cut",
            with(499, &cut),
            "line 500 has 3 fields, the header 11",
        ),
        (
            "unclosed quote mid-file",
            with(10, r#"CVE-2013-3893,Microsoft,"Internet Explor"#),
            "quoted field on line 11 is not closed",
        ),
        (
            "unclosed quote at the end",
            format!("{good}CVE-2013-3893,Microsoft,\"Internet Explor"),
            "quoted field opened on line 501 is never closed",
        ),
        (
            "short row",
            with(5, "CVE-2013-3893,Microsoft,IE"),
            "line 6 has 3 fields",
        ),
        (
            "long row",
            with(5, &format!("{},extra", lines[5])),
            "line 6 has 12 fields",
        ),
        (
            "bad cveID",
            with(7, &lines[7].replacen("CVE-", "CVE/", 1)),
            "line 8 has no valid cveID",
        ),
        (
            "bad dateAdded",
            with(3, &lines[3].replacen(",2025-", ",2025/", 1)),
            "line 4",
        ),
    ];
    for (name, text, want) in cases {
        let err = read_bytes(name, text.as_bytes()).unwrap_err();
        assert!(err.contains(want), "{name}: {err}");
        assert!(err.contains("damaged KEV CSV"), "{name}: {err}");
    }
    // An escaped quote ("") inside a quoted field is not an open quote.
    let escaped = with(
        2,
        &lines[2].replacen(",\"", ",\"He said \"\"no\"\", then ", 1),
    );
    read_bytes("escaped", escaped.as_bytes()).unwrap();
}

#[test]
fn kev_json_entry_without_a_cve_id_is_refused_with_its_index() {
    let text = r#"{"catalogVersion":"2025.08.25","dateReleased":"2025-08-25T00:00:00Z",
      "vulnerabilities":[{"cveID":"CVE-2021-44228","dateAdded":"2021-12-10"},
                         {"vendorProject":"X","dateAdded":"2021-12-10"}]}"#;
    let err = read_bytes("k.json", text.as_bytes()).unwrap_err();
    assert!(err.contains("vulnerabilities[1]"), "{err}");
    let bad = text.replace(r#"{"vendorProject""#, r#"{"cveID":"CVE-21-1","x""#);
    let err = read_bytes("k.json", bad.as_bytes()).unwrap_err();
    assert!(
        err.contains("vulnerabilities[1]") && err.contains("\"CVE-21-1\""),
        "{err}"
    );
}

#[test]
fn duplicate_kev_entries_keep_the_last_and_are_noted() {
    let text = r#"{"catalogVersion":"2025.08.25","vulnerabilities":[
      {"cveID":"CVE-2021-44228","dateAdded":"2021-12-10","notes":"first"},
      {"cveID":"CVE-2017-0144","dateAdded":"2022-03-25"},
      {"cveID":"cve-2021-44228","dateAdded":"2021-12-10","notes":"last"}]}"#;
    let (docs, notes) = read_bytes("k.json", text.as_bytes()).unwrap();
    let FeedDocument::Kev { entries, .. } = &docs[0] else {
        panic!("not KEV")
    };
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].cve, "CVE-2021-44228");
    assert_eq!(entries[0].notes, "last");
    assert!(
        notes.iter().any(|n| n.starts_with("1 duplicate KEV entry")),
        "{notes:?}"
    );
    // The CSV likewise.
    let mut csv = kev_csv_head(3);
    let second = csv.lines().nth(2).unwrap().to_string();
    csv.push_str(&second);
    csv.push('\n');
    let (docs, notes) = read_bytes("k.csv", csv.as_bytes()).unwrap();
    assert!(matches!(&docs[0], FeedDocument::Kev { entries, .. } if entries.len() == 3));
    assert!(
        notes.iter().any(|n| n.starts_with("1 duplicate KEV entry")),
        "{notes:?}"
    );
}

#[test]
fn a_json_schema_is_named_as_such_not_read_as_a_feed() {
    let path = corpus("kev/known_exploited_vulnerabilities_schema.json");
    let err = read_file(&path).unwrap_err();
    assert!(matches!(err, FeedError::JsonSchema { .. }), "{err}");
    assert!(
        err.to_string()
            .ends_with("known_exploited_vulnerabilities_schema.json: is a JSON Schema, not a feed"),
        "{err}"
    );
    let err = read_bytes("s.json", br#"{"$schema":"x","definitions":{}}"#).unwrap_err();
    assert_eq!(err, JSON_SCHEMA_REASON);
}

/// The fix status of each product of one vulnerability, as (product_id order) full names.
fn fixes_of(v: &Vulnerability) -> Vec<(&str, FixStatus)> {
    v.products
        .iter()
        .map(|p| (p.full_name.as_str(), p.fix))
        .collect()
}

#[test]
fn csaf_fix_status_is_per_product_from_the_remediations_that_name_it() {
    let file = read_file(&corpus("csaf/icsma-23-194-01.json")).unwrap();
    let (_, vs) = advisory(&file);
    let by_cve = |cve: &str| vs.iter().find(|v| v.cve == cve).unwrap();
    let pcu = "BD Alaris Point-of-Care Unit (PCU) Model 8015: <=12.1.3";
    let manager = "BD Alaris Systems Manager: <=12.3";
    let editor_1213 = "BD Alaris Guardrails Editor: 12.1.3";
    // vendor_fix names CSAFPID-0003 (Systems Manager) and -0005 (Calculation Services) only;
    // the PCU and the Guardrails Editor have mitigations only.
    for cve in [
        "CVE-2023-30562",
        "CVE-2023-30563",
        "CVE-2023-30564",
        "CVE-2018-1285",
    ] {
        let v = by_cve(cve);
        let fixes = fixes_of(v);
        for (name, fix) in &fixes {
            let expected = if *name == manager || name.starts_with("Calculation Services") {
                // "…; partially remediates CVE-2023-30562"
                if cve == "CVE-2023-30562" {
                    FixStatus::FixPending
                } else {
                    FixStatus::FixValidated
                }
            } else {
                FixStatus::Unknown
            };
            assert_eq!(*fix, expected, "{cve} {name}");
        }
        assert!(fixes.iter().any(|(n, _)| *n == pcu), "{cve}");
        assert_eq!(v.fix, FixStatus::Unknown, "{cve}: products differ");
    }
    let v = by_cve("CVE-2023-30562");
    assert!(
        fixes_of(v).contains(&(editor_1213, FixStatus::Unknown)),
        "mitigation only"
    );
    // CVE-2023-30565 adds CQI Reporter (CSAFPID-0004) to the fixed products.
    let v = by_cve("CVE-2023-30565");
    assert!(fixes_of(v).contains(&("CQI Reporter: <=10.17", FixStatus::FixValidated)));
    assert!(fixes_of(v).contains(&(pcu, FixStatus::Unknown)));
    // Mitigations only: every product Unknown.
    for cve in ["CVE-2023-30559", "CVE-2023-30560", "CVE-2023-30561"] {
        let v = by_cve(cve);
        assert!(
            v.products.iter().all(|p| p.fix == FixStatus::Unknown),
            "{cve}"
        );
        assert_eq!(v.fix, FixStatus::Unknown, "{cve}");
    }
}

#[test]
fn csaf_vendor_fix_that_says_no_fix_was_developed_is_no_fix_planned() {
    // ICSMA-17-017-02 files "BD has not developed a product fix …" under vendor_fix, with
    // four more vendor_fix entries for the same products (end of life, compensating controls,
    // a bulletin, contact): none of them is a fix.
    let file = read_file(&corpus("csaf/icsma-17-017-02-redacted.json")).unwrap();
    let (_, vs) = advisory(&file);
    assert_eq!(vs.len(), 2);
    for v in vs {
        assert_eq!(v.products.len(), 3, "{}", v.cve);
        for p in &v.products {
            assert_eq!(p.fix, FixStatus::NoFixPlanned, "{} {}", v.cve, p.full_name);
        }
        assert_eq!(v.fix, FixStatus::NoFixPlanned, "{}", v.cve);
    }
}

#[test]
fn says_no_fix_reads_plain_denials_only() {
    for yes in [
        "BD has not developed a product fix to address these vulnerabilities, but has issued compensating controls to reduce the risk of exploitation.",
        "Acme has no plans to release a patch for this end-of-life product.",
        "No fix is available at this time.",
        "The vendor does not plan to fix this issue.",
        "This vulnerability will not be fixed.",
        "Acme will not release an update for version 2.",
    ] {
        assert!(csaf::says_no_fix(yes), "{yes}");
    }
    for no in [
        "BD Alaris Systems Manager Software version 12.5.1 - Remediates CVE-2018-1285",
        "Philips will provide the remediation in the form of a patch by the end of November 2018 for all PIIC iX B.02 users.",
        "BD has released a security bulletin for the Alaris PC unit model 8015.",
        "OFFIS recommends all users update to Version 3.6.7 or later.",
        "No fix is available for 1.x; users should upgrade to 2.0, which fixes the issue.",
        "There is no known public exploit; a patch is available.",
        "",
    ] {
        assert!(!csaf::says_no_fix(no), "{no}");
    }
}

#[test]
fn csaf_remediations_reach_products_through_their_groups() {
    let json = r#"{"document":{"csaf_version":"2.0","title":"T",
        "tracking":{"id":"TEST-2","current_release_date":"2024-01-02T00:00:00Z","version":"1"}},
        "product_tree":{"full_product_names":[
            {"name":"Acme P1 1.0","product_id":"P1"},{"name":"Acme P2 1.0","product_id":"P2"},
            {"name":"Acme P3 1.0","product_id":"P3"},{"name":"Acme P4 1.0","product_id":"P4"}],
          "product_groups":[{"group_id":"G1","product_ids":["P1","P2"]}]},
        "vulnerabilities":[{"cve":"CVE-2024-0002",
          "product_status":{"known_affected":["P1","P2","P3","P4"]},
          "remediations":[
            {"category":"vendor_fix","details":"Update to 1.1.","group_ids":["G1"]},
            {"category":"no_fix_planned","details":"End of life.","product_ids":["P3"]},
            {"category":"mitigation","details":"Segment the network.","product_ids":["P1","P2","P3","P4"]}]}]}"#;
    let (docs, _) = read_bytes("x.json", json.as_bytes()).unwrap();
    let FeedDocument::Advisory {
        vulnerabilities, ..
    } = &docs[0]
    else {
        panic!()
    };
    let v = &vulnerabilities[0];
    assert_eq!(
        fixes_of(v),
        vec![
            ("Acme P1 1.0", FixStatus::FixValidated),
            ("Acme P2 1.0", FixStatus::FixValidated),
            ("Acme P3 1.0", FixStatus::NoFixPlanned),
            ("Acme P4 1.0", FixStatus::Unknown),
        ]
    );
    assert_eq!(v.fix, FixStatus::Unknown);
}

#[test]
fn a_product_ref_stored_before_the_fix_field_still_reads() {
    let stored = r#"{"cve":"CVE-2024-0003","title":"","description":"","scores":[],
        "products":[{"vendor":"Acme","product":"P1","version_text":"","exact":null,
          "start_including":null,"start_excluding":null,"end_including":null,
          "end_excluding":null,"cpe":null,"purl":null,"full_name":"P1","platform_only":false}],
        "fix":"FixValidated","remediation":"","advisories":[]}"#;
    let v: Vulnerability = serde_json::from_str(stored).unwrap();
    assert_eq!(v.products[0].fix, FixStatus::Unknown);
    assert_eq!(v.products[0].status, ProductStatus::Affected);
    assert_eq!(v.fix, FixStatus::FixValidated);
}

#[test]
fn a_fix_that_remediates_a_cve_only_partly_is_pending_not_validated() {
    let said = "BD Alaris Systems Manager Software version 12.5.1 - Remediates CVE-2018-1285, \
                CVE-2023-30563, CVE-2023-30564, and CVE-2023-30565; partially remediates \
                CVE-2023-30562";
    assert!(csaf::says_partly(said, "CVE-2023-30562"));
    assert!(!csaf::says_partly(said, "CVE-2023-30563"));
    assert!(!csaf::says_partly(
        "Update to 12.5.1 (fixes all)",
        "CVE-2023-30562"
    ));
}
