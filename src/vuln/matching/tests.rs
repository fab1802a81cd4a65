//! The matcher against product trees copied by hand from the corpus (ICSMA-20-170-04 Baxter
//! Sigma Spectrum, ICSMA-18-058-02 Philips IntelliSpace Portal, NVD CVE-2019-10964 MiniMed,
//! NVD CVE-2022-2119 DCMTK, CVE-2024-1275 Welch Allyn) and KEV entries of the 2025-08-25
//! catalog. The precision cases: a listed model at an affected version matches; the
//! same model at another version does not; another model of the same vendor does not; a
//! misspelled vendor still matches.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use super::*;
use crate::vuln::{FeedInfo, FeedKind, KevEntry, ProductRef, ProductStatus, Vulnerability};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn info(kind: FeedKind, name: &str, day: &str) -> FeedInfo {
    FeedInfo {
        kind,
        name: name.to_string(),
        feed_date: date(day),
        version: String::new(),
        title: String::new(),
    }
}

fn device(fields: &[(&str, &str)]) -> Device {
    let mut d = Device::default();
    for (k, v) in fields {
        d.values.insert((*k).to_string(), (*v).to_string());
    }
    d
}

fn csaf_ref(vendor: &str, product: &str, version_text: &str, full_name: &str) -> ProductRef {
    ProductRef {
        vendor: vendor.to_string(),
        product: product.to_string(),
        version_text: version_text.to_string(),
        full_name: full_name.to_string(),
        ..ProductRef::default()
    }
}

fn vuln(cve: &str, products: Vec<ProductRef>) -> Vulnerability {
    Vulnerability {
        cve: cve.to_string(),
        title: format!("{cve} title"),
        products,
        ..Vulnerability::default()
    }
}

/// ICSMA-20-170-04's product tree (vendor branch `Baxter`), every product known affected.
fn baxter_products() -> Vec<ProductRef> {
    vec![
        csaf_ref(
            "Baxter",
            "Baxter Spectrum",
            "v8.x model 35700BAX2",
            "Baxter Spectrum: v8.x model 35700BAX2",
        ),
        csaf_ref(
            "Baxter",
            "Sigma Spectrum LVP",
            "v6.x (with Wireless Battery Modules v9 | v11 | v13 | v14 | v15 | v16 | v16D38 | v17 | v17D19 | >= v20D29 | <= v20D32 | >= v22D24 | <= v22D28)",
            "Sigma Spectrum LVP: v6.x with Wireless Battery Modules v9 v11 v13 v14 v15 v16 v16D38 v17 v17D19 v20D29 to v20D32 and v22D24 to v22D28",
        ),
        csaf_ref(
            "Baxter",
            "Sigma Spectrum",
            "v6.x model 35700BAX",
            "Sigma Spectrum: v6.x model 35700BAX",
        ),
        csaf_ref(
            "Baxter",
            "Baxter Spectrum",
            "v9.x model 35700BAX3",
            "Baxter Spectrum: v9.x model 35700BAX3",
        ),
    ]
}

/// ICSMA-18-058-02's product tree: vendor spelled `Phillips`.
fn philips_products() -> Vec<ProductRef> {
    vec![
        csaf_ref(
            "Phillips",
            "IntelliSpace Portal 8.0.x",
            "vers:all/*",
            "IntelliSpace Portal 8.0.x: *",
        ),
        csaf_ref(
            "Phillips",
            "IntelliSpace Portal 7.0.x",
            "vers:all/*",
            "IntelliSpace Portal 7.0.x: *",
        ),
    ]
}

/// Two of CVE-2019-10964's AND configurations: firmware (vulnerable) + hardware (platform).
fn minimed_products() -> Vec<ProductRef> {
    let firmware = |cpe: &str, end: Option<&str>| ProductRef {
        vendor: "medtronic".into(),
        product: cpe.split(':').nth(4).unwrap().to_string(),
        cpe: Some(cpe.to_string()),
        end_including: end.map(str::to_string),
        // As the NVD reader writes it.
        full_name: cpe.to_string(),
        ..ProductRef::default()
    };
    let hardware = |cpe: &str| ProductRef {
        platform_only: true,
        ..firmware(cpe, None)
    };
    vec![
        firmware(
            "cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:*:*:*:*:*:*:*:*",
            Some("2.4a"),
        ),
        hardware("cpe:2.3:h:medtronic:minimed_paradigm_523:-:*:*:*:*:*:*:*"),
        firmware(
            "cpe:2.3:o:medtronic:minimed_508_firmware:*:*:*:*:*:*:*:*",
            None,
        ),
        hardware("cpe:2.3:h:medtronic:minimed_508:-:*:*:*:*:*:*:*"),
    ]
}

fn kev_entry(cve: &str, vendor: &str, product: &str, due: &str, ransomware: &str) -> KevEntry {
    KevEntry {
        cve: cve.to_string(),
        vendor_project: vendor.to_string(),
        product: product.to_string(),
        name: format!("{vendor} {product} vulnerability"),
        due_date: Some(date(due)),
        ransomware: ransomware.to_string(),
        ..KevEntry::default()
    }
}

fn index() -> FeedIndex {
    let mut kev_entries = std::collections::HashMap::new();
    for e in [
        kev_entry(
            "CVE-2017-0143",
            "Microsoft",
            "Windows",
            "2022-05-03",
            "Known",
        ),
        kev_entry(
            "CVE-2016-8562",
            "Siemens",
            "SIMATIC CP",
            "2022-03-24",
            "Unknown",
        ),
    ] {
        kev_entries.insert(e.cve.clone(), e);
    }
    let dcmtk = ProductRef {
        vendor: "offis".into(),
        product: "dcmtk".into(),
        cpe: Some("cpe:2.3:a:offis:dcmtk:*:*:*:*:*:*:*:*".into()),
        end_excluding: Some("3.6.7".into()),
        ..ProductRef::default()
    };
    let mut cve_2022_2119 = vuln("CVE-2022-2119", vec![dcmtk]);
    cve_2022_2119.scores = vec![
        CvssScore {
            version: "3.1".into(),
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            base_score: 9.8,
            severity: "CRITICAL".into(),
            source: "NVD".into(),
        },
        CvssScore {
            version: "3.1".into(),
            vector: "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N".into(),
            base_score: 7.5,
            severity: "HIGH".into(),
            source: "CNA ics-cert@hq.dhs.gov".into(),
        },
    ];
    let mut icsma_0143 = vuln("CVE-2017-0143", philips_products());
    icsma_0143.advisories = vec!["ICSMA-18-058-02".into()];
    icsma_0143.fix = FixStatus::Unknown;
    FeedIndex {
        kev: Some(info(FeedKind::Kev, "KEV", "2025-08-25")),
        kev_entries,
        advisories: vec![
            (
                info(FeedKind::Csaf, "ICSMA-20-170-04", "2020-06-23"),
                ["CVE-2020-12039", "CVE-2020-12040", "CVE-2020-12045"]
                    .iter()
                    .map(|c| {
                        let mut v = vuln(c, baxter_products());
                        // As the CSAF reader writes it: per product, and shared.
                        for p in &mut v.products {
                            p.fix = FixStatus::FixValidated;
                        }
                        v.fix = FixStatus::FixValidated;
                        v.advisories = vec!["ICSMA-20-170-04".into()];
                        v
                    })
                    .collect(),
            ),
            (
                info(FeedKind::Csaf, "ICSMA-18-058-02", "2018-02-27"),
                vec![icsma_0143, vuln("CVE-2018-5474", philips_products())],
            ),
            (
                info(FeedKind::Nvd, "CVE-2019-10964", "2024-11-21"),
                vec![vuln("CVE-2019-10964", minimed_products())],
            ),
            (
                info(FeedKind::Nvd, "CVE-2022-2119", "2024-11-21"),
                vec![cve_2022_2119],
            ),
        ],
    }
}

fn cves(matches: &[Match]) -> Vec<&str> {
    matches.iter().map(|m| m.cve.as_str()).collect()
}

#[test]
fn a_listed_model_at_an_affected_version_matches_with_high_confidence() {
    let idx = index();
    let d = device(&[
        ("manufacturer", "Baxter Healthcare Corporation"),
        ("model", "Sigma Spectrum 35700BAX"),
        ("software_version", "6.02"),
    ]);
    let m = match_device(&d, &[], &idx);
    assert_eq!(
        cves(&m),
        ["CVE-2020-12039", "CVE-2020-12040", "CVE-2020-12045"]
    );
    let first = &m[0];
    assert_eq!(first.confidence, Confidence::High, "{}", first.reason);
    assert!(first.component.is_none());
    assert_eq!(
        first.reason,
        "model + software 6.02 in range v6.x (CSAF ICSMA-20-170-04: Sigma Spectrum: v6.x model 35700BAX)"
    );
    assert_eq!(first.fix, FixStatus::FixValidated);
    assert_eq!(first.advisories, ["ICSMA-20-170-04"]);
    assert_eq!(first.sources.len(), 1);
    assert_eq!(first.sources[0].name, "ICSMA-20-170-04");
    assert_eq!(first.sources[0].feed_date, date("2020-06-23"));
    assert!(first.kev.is_none());
}

#[test]
fn the_same_model_at_another_version_does_not_match() {
    let idx = index();
    for version in ["7.0", "8.00.01", "5.99"] {
        let d = device(&[
            ("manufacturer", "Baxter"),
            ("model", "Sigma Spectrum 35700BAX"),
            ("software_version", version),
        ]);
        assert!(match_device(&d, &[], &idx).is_empty(), "{version}");
    }
    // NVD CVE-2019-10964: versionEndIncluding 2.4a.
    let minimed = |fw: &str| {
        device(&[
            ("manufacturer", "Medtronic"),
            ("model", "MiniMed Paradigm 523"),
            ("firmware_version", fw),
        ])
    };
    let m = match_device(&minimed("2.4a"), &[], &idx);
    assert_eq!(cves(&m), ["CVE-2019-10964"]);
    assert_eq!(m[0].confidence, Confidence::High);
    assert_eq!(
        m[0].reason,
        "model + firmware 2.4a in range ≤ 2.4a (NVD CVE-2019-10964: minimed_paradigm_523_firmware)"
    );
    assert_eq!(
        match_device(&minimed("2.4"), &[], &idx)[0].confidence,
        Confidence::High
    );
    assert!(match_device(&minimed("2.4b"), &[], &idx).is_empty());
    assert!(match_device(&minimed("2.5"), &[], &idx).is_empty());
    // No firmware recorded: the product matched, the version is unknown.
    let m = match_device(
        &device(&[
            ("manufacturer", "Medtronic"),
            ("model", "MiniMed Paradigm 523"),
        ]),
        &[],
        &idx,
    );
    assert_eq!(m[0].confidence, Confidence::Medium);
    assert!(
        m[0].reason
            .starts_with("model matched, no version recorded (affected: ≤ 2.4a)")
    );
    // MiniMed 508: every firmware version (`*`, no bounds).
    let m = match_device(
        &device(&[
            ("manufacturer", "Medtronic, Inc."),
            ("model", "MiniMed 508"),
            ("firmware_version", "1.0"),
        ]),
        &[],
        &idx,
    );
    assert_eq!(m[0].confidence, Confidence::High);
    assert!(
        m[0].reason
            .starts_with("model + firmware 1.0, all versions affected")
    );
}

#[test]
fn another_model_of_the_same_vendor_does_not_match() {
    let idx = index();
    for (manufacturer, model, version) in [
        ("Baxter", "Sigma Spectrum 35700BAX2", "6.02"),
        ("Baxter", "Baxter Spectrum 35700BAX3", "8.1"),
        ("Medtronic", "MiniMed Paradigm 523K", "2.4a"),
        ("Medtronic", "MiniMed Paradigm 522", "2.4a"),
        ("Phillips", "IntelliSpace Cardiovascular", "8.0.1"),
        ("Philips", "IntelliVue MX800", "8.0.1"),
    ] {
        let d = device(&[
            ("manufacturer", manufacturer),
            ("model", model),
            ("software_version", version),
            ("firmware_version", version),
        ]);
        let m = match_device(&d, &[], &idx);
        assert!(m.is_empty(), "{model}: {m:?}");
    }
    // The right model of another maker does not match either.
    let d = device(&[
        ("manufacturer", "Smiths Medical"),
        ("model", "Sigma Spectrum 35700BAX"),
        ("software_version", "6.02"),
    ]);
    assert!(match_device(&d, &[], &idx).is_empty());
}

#[test]
fn a_misspelled_vendor_still_matches_and_kev_flags_the_cve() {
    let idx = index();
    // The advisory writes `Phillips`; the device `Philips Healthcare`.
    let d = device(&[
        ("manufacturer", "Philips Healthcare"),
        ("model", "IntelliSpace Portal"),
        ("software_version", "8.0.3"),
    ]);
    let m = match_device(&d, &[], &idx);
    assert_eq!(cves(&m), ["CVE-2017-0143", "CVE-2018-5474"]);
    let smb = &m[0];
    assert_eq!(smb.confidence, Confidence::High);
    assert_eq!(
        smb.reason,
        "model + software 8.0.3 in range 8.0.x (CSAF ICSMA-18-058-02: IntelliSpace Portal 8.0.x: *)"
    );
    let kev = smb.kev.as_ref().unwrap();
    assert_eq!(kev.due_date, Some(date("2022-05-03")));
    assert_eq!(kev.ransomware, "Known");
    let kinds: Vec<FeedKind> = smb.sources.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [FeedKind::Csaf, FeedKind::Kev]);
    assert_eq!(smb.sources[1].feed_date, date("2025-08-25"));
    assert!(m[1].kev.is_none());
    // Version 9: neither 8.0.x nor 7.0.x.
    let d = device(&[
        ("manufacturer", "Phillips"),
        ("model", "IntelliSpace Portal"),
        ("software_version", "9.0"),
    ]);
    assert!(match_device(&d, &[], &idx).is_empty());
    // No version: both series could be it.
    let d = device(&[
        ("manufacturer", "PHILIPS"),
        ("model", "IntelliSpace Portal"),
    ]);
    let m = match_device(&d, &[], &idx);
    assert_eq!(m.len(), 2);
    assert!(m.iter().all(|x| x.confidence == Confidence::Medium));
}

#[test]
fn a_condition_the_version_does_not_settle_is_medium() {
    let idx = index();
    let d = device(&[
        ("manufacturer", "Baxter"),
        ("model", "Sigma Spectrum LVP"),
        ("software_version", "6.05"),
    ]);
    let m = match_device(&d, &[], &idx);
    assert_eq!(m.len(), 3);
    assert_eq!(m[0].confidence, Confidence::Medium, "{}", m[0].reason);
    assert!(
        m[0].reason.contains("only with Wireless Battery Modules"),
        "{}",
        m[0].reason
    );
}

#[test]
fn sbom_components_match_by_cpe_and_name_with_their_version() {
    let idx = index();
    let d = device(&[("manufacturer", "Acme"), ("model", "Viewer 1")]);
    let old = Component {
        name: "dcmtk".into(),
        version: "3.6.6".into(),
        purl: Some("pkg:generic/dcmtk@3.6.6".into()),
        ..Component::default()
    };
    let fixed = Component {
        version: "3.6.7".into(),
        purl: Some("pkg:generic/dcmtk@3.6.7".into()),
        ..old.clone()
    };
    let by_cpe = Component {
        name: "DICOM toolkit".into(),
        version: String::new(),
        cpe: Some("cpe:2.3:a:offis:dcmtk:3.6.5:*:*:*:*:*:*:*".into()),
        ..Component::default()
    };
    let m = match_device(&d, &[old.clone(), fixed, by_cpe.clone()], &idx);
    assert_eq!(m.len(), 2, "{m:?}");
    assert_eq!(m[0].cve, "CVE-2022-2119");
    assert_eq!(m[0].component.as_ref().unwrap().name, "DICOM toolkit");
    assert_eq!(m[0].confidence, Confidence::High);
    assert!(
        m[0].reason
            .starts_with("component CPE + version 3.6.5 in range < 3.6.7"),
        "{}",
        m[0].reason
    );
    assert_eq!(m[1].component.as_ref(), Some(&old));
    assert!(
        m[1].reason
            .starts_with("component name + version 3.6.6 in range < 3.6.7")
    );
    // A name with no supplier is not sure of the maker.
    assert_eq!(m[1].confidence, Confidence::Medium);
    assert!(m[1].reason.contains("no supplier confirms the maker"));
    let with_supplier = Component {
        supplier: "OFFIS e.V.".into(),
        ..old.clone()
    };
    assert_eq!(
        match_device(&d, &[with_supplier], &idx)[0].confidence,
        Confidence::High
    );
    // Both scores are kept.
    assert_eq!(m[1].scores.len(), 2);
    // A component of another supplier with the same name does not match.
    let other = Component {
        name: "dcmtk".into(),
        version: "3.6.6".into(),
        supplier: "Someone Else Ltd".into(),
        ..Component::default()
    };
    assert!(match_device(&d, &[other], &idx).is_empty());
    // No version: Medium.
    let unversioned = Component {
        name: "DCMTK".into(),
        supplier: "OFFIS e.V.".into(),
        ..Component::default()
    };
    let m = match_device(&d, &[unversioned], &idx);
    assert_eq!(m[0].confidence, Confidence::Medium);
}

#[test]
fn sbom_components_match_by_purl() {
    let mut idx = index();
    let wolf = ProductRef {
        vendor: "wolfssl".into(),
        product: "wolfSSL".into(),
        purl: Some("pkg:github/wolfssl/wolfssl".into()),
        end_excluding: Some("5.5.0".into()),
        ..ProductRef::default()
    };
    idx.advisories.push((
        info(FeedKind::CveRecord, "CVE-2022-39173", "2022-09-29"),
        vec![vuln("CVE-2022-39173", vec![wolf])],
    ));
    let c = Component {
        name: "WolfSSL".into(),
        version: "4.8.1".into(),
        purl: Some("pkg:github/wolfssl/wolfssl".into()),
        cpe: Some("cpe:2.3:a:wolfssl:wolfssl:4.8.1:*:*:*:*:*:*:*".into()),
        kind: "firmware".into(),
        ..Component::default()
    };
    let d = device(&[("manufacturer", "Acme"), ("model", "Pump 1")]);
    let m = match_device(&d, &[c], &idx);
    assert_eq!(cves(&m), ["CVE-2022-39173"]);
    assert!(
        m[0].reason
            .starts_with("component purl + version 4.8.1 in range < 5.5.0")
    );
}

#[test]
fn kev_alone_is_a_low_vendor_and_product_match() {
    let idx = index();
    let d = device(&[
        ("manufacturer", "Siemens AG"),
        ("model", "SIMATIC CP 1543-1"),
        ("firmware_version", "2.0"),
    ]);
    let m = match_device(&d, &[], &idx);
    assert_eq!(cves(&m), ["CVE-2016-8562"]);
    assert_eq!(m[0].confidence, Confidence::Low);
    assert_eq!(
        m[0].reason,
        "vendor + product only (KEV: Siemens SIMATIC CP)"
    );
    assert_eq!(m[0].sources.len(), 1);
    assert_eq!(m[0].sources[0].kind, FeedKind::Kev);
    assert!(m[0].kev.is_some());
    // Another Siemens product does not.
    let d = device(&[
        ("manufacturer", "Siemens Healthineers"),
        ("model", "Symbia T6"),
    ]);
    assert!(match_device(&d, &[], &idx).is_empty());
}

#[test]
fn a_fixed_or_not_affected_statement_for_the_version_suppresses_the_match() {
    let mut idx = index();
    // A later revision marking 9.1 fixed (CSAF `fixed`) and a VEX saying the 35700BAX3 at
    // 9.2 is not affected.
    let fixed = ProductRef {
        status: ProductStatus::Fixed,
        ..csaf_ref("Baxter", "Baxter Spectrum", "9.1", "Baxter Spectrum: 9.1")
    };
    let not_affected = ProductRef {
        status: ProductStatus::NotAffected,
        exact: Some("9.2".into()),
        ..csaf_ref("Baxter", "Baxter Spectrum", "", "Baxter Spectrum 9.2")
    };
    idx.advisories.push((
        info(FeedKind::Csaf, "ICSMA-20-170-04", "2020-07-01"),
        vec![vuln("CVE-2020-12039", vec![fixed])],
    ));
    idx.advisories.push((
        info(FeedKind::Vex, "VEX baxter", "2020-07-02"),
        vec![vuln("CVE-2020-12040", vec![not_affected])],
    ));
    let at = |v: &str| {
        device(&[
            ("manufacturer", "Baxter"),
            ("model", "Baxter Spectrum 35700BAX3"),
            ("software_version", v),
        ])
    };
    let m = match_device(&at("9.0"), &[], &idx);
    assert_eq!(
        cves(&m),
        ["CVE-2020-12039", "CVE-2020-12040", "CVE-2020-12045"]
    );
    let m = match_device(&at("9.1"), &[], &idx);
    assert_eq!(cves(&m), ["CVE-2020-12040", "CVE-2020-12045"]);
    // 9.2: fixed since 9.1, and not affected by the VEX.
    let m = match_device(&at("9.2"), &[], &idx);
    assert_eq!(cves(&m), ["CVE-2020-12045"]);
    let m = match_device(&at("9.3"), &[], &idx);
    assert_eq!(cves(&m), ["CVE-2020-12040", "CVE-2020-12045"]);
}

#[test]
fn a_cve5_default_unaffected_yields_to_its_own_affected_range() {
    // CVE-2024-1275 (CVE 5): Baxter Welch Allyn Connex Spot Monitor, lessThanOrEqual 1.52,
    // defaultStatus unaffected (as the feed reader writes it: all versions, not affected).
    let affected = ProductRef {
        vendor: "Baxter".into(),
        product: "Welch Allyn Connex Spot Monitor".into(),
        end_including: Some("1.52".into()),
        version_text: "<= 1.52".into(),
        ..ProductRef::default()
    };
    let default = ProductRef {
        status: ProductStatus::NotAffected,
        version_text: "all versions".into(),
        end_including: None,
        ..affected.clone()
    };
    let idx = FeedIndex {
        advisories: vec![(
            info(FeedKind::CveRecord, "CVE-2024-1275", "2024-06-27"),
            vec![vuln("CVE-2024-1275", vec![affected, default])],
        )],
        ..FeedIndex::default()
    };
    let at = |v: &str| {
        device(&[
            ("manufacturer", "Baxter"),
            ("model", "Connex Spot Monitor"),
            ("firmware_version", v),
        ])
    };
    // `Connex Spot Monitor` is vaguer than `Welch Allyn Connex Spot Monitor`: family only.
    let m = match_device(&at("1.40"), &[], &idx);
    assert_eq!(m.len(), 1);
    let full = |v: &str| {
        device(&[
            ("manufacturer", "Baxter"),
            ("model", "Welch Allyn Connex Spot Monitor"),
            ("firmware_version", v),
        ])
    };
    let m = match_device(&full("1.40"), &[], &idx);
    assert_eq!(m[0].confidence, Confidence::High);
    assert!(match_device(&full("1.60"), &[], &idx).is_empty());
}

#[test]
fn one_match_per_cve_and_component_merging_sources() {
    let mut idx = index();
    // The same CVE from a second document (NVD) with its own score.
    let mut nvd = vuln(
        "CVE-2019-10964",
        vec![ProductRef {
            vendor: "Medtronic".into(),
            product: "MiniMed Paradigm 523".into(),
            version_text: "<= 2.4a".into(),
            ..ProductRef::default()
        }],
    );
    nvd.scores = vec![CvssScore {
        version: "3.1".into(),
        vector: String::new(),
        base_score: 7.1,
        severity: "HIGH".into(),
        source: "CNA".into(),
    }];
    idx.advisories.push((
        info(FeedKind::Csaf, "ICSMA-19-178-01", "2019-06-27"),
        vec![nvd],
    ));
    let d = device(&[
        ("manufacturer", "Medtronic"),
        ("model", "MiniMed Paradigm 523"),
        ("firmware_version", "2.3"),
    ]);
    let m = match_device(&d, &[], &idx);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].sources.len(), 2);
    assert_eq!(m[0].scores.len(), 1);
    assert!(m[0].reason.contains("; "), "both reasons: {}", m[0].reason);
}

#[test]
fn the_operating_system_matches_its_makers_products_at_medium() {
    let mut idx = index();
    idx.advisories.push((
        info(FeedKind::Nvd, "CVE-2008-4250", "2024-11-20"),
        vec![vuln(
            "CVE-2008-4250",
            vec![ProductRef {
                vendor: "microsoft".into(),
                product: "windows_xp".into(),
                cpe: Some("cpe:2.3:o:microsoft:windows_xp:-:sp3:*:*:*:*:*:*".into()),
                ..ProductRef::default()
            }],
        )],
    ));
    let d = device(&[
        ("manufacturer", "Siemens"),
        ("model", "Symbia T6"),
        ("operating_system", "Windows XP SP3"),
    ]);
    let m = match_device(&d, &[], &idx);
    assert_eq!(cves(&m), ["CVE-2008-4250"]);
    assert_eq!(m[0].confidence, Confidence::Medium);
    assert!(
        m[0].reason.starts_with(
            "operating system matched, no version recorded (affected: all versions); from the operating system \"Windows XP SP3\""
        ),
        "{}",
        m[0].reason
    );
    let d = device(&[
        ("manufacturer", "Siemens"),
        ("model", "Symbia T6"),
        ("operating_system", "Windows 10"),
    ]);
    assert!(match_device(&d, &[], &idx).is_empty());
}

#[test]
fn results_are_sorted_by_cve_number() {
    assert!(cve_order("CVE-2019-9999") < cve_order("CVE-2019-10964"));
    assert!(cve_order("CVE-2018-99999") < cve_order("CVE-2019-1"));
}

#[test]
fn a_device_without_a_model_matches_nothing() {
    let idx = index();
    let d = device(&[("manufacturer", "Baxter"), ("software_version", "6.0")]);
    assert!(match_device(&d, &[], &idx).is_empty());
}

/// The corpus advisories read the way a CSAF reader does (vendor, product and version
/// branches; every `product_status` group), with no reader: the real product trees, spellings
/// and version texts, so a reader change cannot hide a matcher fault.
fn corpus_index() -> FeedIndex {
    fn walk(
        branches: &[serde_json::Value],
        here: &ProductRef,
        out: &mut HashMap<String, ProductRef>,
    ) {
        for b in branches {
            let name = b["name"].as_str().unwrap_or("").to_string();
            let mut p = here.clone();
            match b["category"].as_str().unwrap_or("") {
                "vendor" => p.vendor = name,
                "product_name" => p.product = name,
                "product_version" | "product_version_range" => p.version_text = name,
                _ => {}
            }
            if let Some(prod) = b.get("product") {
                let mut leaf = p.clone();
                leaf.full_name = prod["name"].as_str().unwrap_or("").to_string();
                out.insert(prod["product_id"].as_str().unwrap().to_string(), leaf);
            }
            if let Some(children) = b["branches"].as_array() {
                walk(children, &p, out);
            }
        }
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/csaf");
    let mut advisories = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        let mut products = HashMap::new();
        walk(
            doc["product_tree"]["branches"].as_array().unwrap(),
            &ProductRef::default(),
            &mut products,
        );
        let tracking = &doc["document"]["tracking"];
        let name = tracking["id"].as_str().unwrap().to_string();
        let day = &tracking["current_release_date"].as_str().unwrap()[..10];
        let vulns = doc["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                let mut refs = Vec::new();
                for (group, status) in [
                    ("known_affected", ProductStatus::Affected),
                    ("fixed", ProductStatus::Fixed),
                    ("known_not_affected", ProductStatus::NotAffected),
                ] {
                    for id in v["product_status"][group].as_array().into_iter().flatten() {
                        if let Some(p) = products.get(id.as_str().unwrap()) {
                            refs.push(ProductRef {
                                status,
                                ..p.clone()
                            });
                        }
                    }
                }
                let mut vu = vuln(v["cve"].as_str().unwrap(), refs);
                vu.advisories = vec![name.clone()];
                vu
            })
            .collect();
        advisories.push((info(FeedKind::Csaf, &name, day), vulns));
    }
    assert_eq!(advisories.len(), 15);
    FeedIndex {
        advisories,
        ..FeedIndex::default()
    }
}

/// CVEs, confidence and source documents of the matches.
fn summary(m: &[Match]) -> Vec<(String, Confidence, String)> {
    m.iter()
        .map(|x| {
            let docs: Vec<&str> = x.sources.iter().map(|s| s.name.as_str()).collect();
            (x.cve.clone(), x.confidence, docs.join(","))
        })
        .collect()
}

fn expect(list: &[(&str, Confidence, &str)]) -> Vec<(String, Confidence, String)> {
    list.iter()
        .map(|(c, conf, d)| ((*c).to_string(), *conf, (*d).to_string()))
        .collect()
}

#[test]
fn corpus_advisories_match_only_their_own_products() {
    use Confidence::{High, Low, Medium};
    let idx = corpus_index();
    let matcher = Matcher::new(&idx);
    let run = |fields: &[(&str, &str)]| summary(&matcher.match_device(&device(fields), &[]));

    // ICSMA-21-007-01: vendor written `Innokas YhtymÃ¤ Oy` (mojibake), `< 1.7.15`.
    let innokas = |fw: &str| {
        run(&[
            ("manufacturer", "Innokas Yhtymä Oy"),
            ("model", "VC150"),
            ("firmware_version", fw),
        ])
    };
    assert_eq!(
        innokas("1.7.14"),
        expect(&[
            ("CVE-2020-27260", High, "ICSMA-21-007-01"),
            ("CVE-2020-27262", High, "ICSMA-21-007-01"),
        ])
    );
    assert!(innokas("1.7.15").is_empty());

    // ICSMA-18-037-02 lists one CVE per GE product; ICSMA-20-343-01 names the NM 750b again.
    let nm750b = |sw: &str| {
        run(&[
            ("manufacturer", "GE Healthcare"),
            ("model", "Discovery NM750b"),
            ("software_version", sw),
        ])
    };
    assert_eq!(
        nm750b("2.002"),
        expect(&[
            ("CVE-2013-7404", High, "ICSMA-18-037-02"),
            ("CVE-2020-25175", High, "ICSMA-20-343-01"),
            ("CVE-2020-25179", High, "ICSMA-20-343-01"),
        ])
    );
    assert_eq!(
        nm750b("2.003"),
        expect(&[
            ("CVE-2020-25175", High, "ICSMA-20-343-01"),
            ("CVE-2020-25179", High, "ICSMA-20-343-01"),
        ])
    );
    // `Optima 540` is not `Optima CT540`.
    assert_eq!(
        run(&[
            ("manufacturer", "General Electric"),
            ("model", "Optima 540"),
            ("software_version", "1.0"),
        ]),
        expect(&[("CVE-2010-5306", High, "ICSMA-18-037-02")])
    );

    // `Xeleris 1.0` … `Xeleris 3.1` name release lines (ICSMA-18-037-02); ICSMA-20-343-01
    // names `Xeleris`, all versions.
    let xeleris = |sw: &str| {
        run(&[
            ("manufacturer", "GE Healthcare"),
            ("model", "Xeleris"),
            ("software_version", sw),
        ])
    };
    assert_eq!(
        xeleris("3.0.2"),
        expect(&[
            ("CVE-2017-14006", High, "ICSMA-18-037-02"),
            ("CVE-2020-25175", High, "ICSMA-20-343-01"),
            ("CVE-2020-25179", High, "ICSMA-20-343-01"),
        ])
    );
    assert_eq!(xeleris("4.0").len(), 2);

    // ICSMA-19-022-01: `Dräger`, all versions; no version recorded.
    assert_eq!(
        run(&[
            ("manufacturer", "Draegerwerk AG & Co. KGaA"),
            ("model", "Infinity Delta")
        ]),
        expect(&[
            ("CVE-2018-19010", Medium, "ICSMA-19-022-01"),
            ("CVE-2018-19012", Medium, "ICSMA-19-022-01"),
            ("CVE-2018-19014", Medium, "ICSMA-19-022-01"),
        ])
    );

    // ICSMA-20-254-01: `IntelliVue patient monitor MX400-MX850`, version `<=N`.
    let mx800 = run(&[
        ("manufacturer", "Philips Medical Systems"),
        ("model", "IntelliVue MX800"),
        ("software_version", "M.00.03"),
    ]);
    assert_eq!(mx800.len(), 8);
    assert!(
        mx800
            .iter()
            .all(|(_, c, d)| *c == Medium && d == "ICSMA-20-254-01"),
        "{mx800:?}"
    );

    // BD Alaris: ICSMA-17-017-02 names the model (≤ 9.33); ICSMA-23-194-01 names the
    // `Point-of-Care Unit (PCU) Model 8015` (family only, ≤ 12.1.3).
    let alaris = |sw: &str| {
        run(&[
            ("manufacturer", "Becton Dickinson"),
            ("model", "Alaris 8015 PC Unit"),
            ("software_version", sw),
        ])
    };
    let m = alaris("9.19");
    assert_eq!(m.len(), 10, "{m:?}");
    assert_eq!(
        m[0],
        ("CVE-2016-8375".into(), High, "ICSMA-17-017-02".into())
    );
    assert!(
        m[2..]
            .iter()
            .all(|(_, c, d)| *c == Low && d == "ICSMA-23-194-01")
    );
    assert!(alaris("12.2").is_empty());

    // ICSMA-20-170-04: `v6.x model 35700BAX`.
    let m = run(&[
        ("manufacturer", "Baxter"),
        ("model", "Sigma Spectrum 35700BAX"),
        ("software_version", "6.0"),
    ]);
    assert_eq!(m.len(), 6);
    assert!(m.iter().all(|(_, c, _)| *c == High));

    // A maker with no advisory gets nothing, whatever its model is called.
    assert!(run(&[("manufacturer", "Mindray"), ("model", "BeneView T5")]).is_empty());
}

#[test]
fn a_vex_statement_without_a_supplier_reaches_the_model_of_that_exact_name() {
    // CycloneDX VEX CISA case 1: CVE-2021-44228, subject `ABC` 4.2, no supplier.
    let vex = |status: ProductStatus| ProductRef {
        product: "ABC".into(),
        version_text: "4.2".into(),
        exact: Some("4.2".into()),
        full_name: "ABC 4.2".into(),
        status,
        ..ProductRef::default()
    };
    let advisory = ProductRef {
        vendor: "Acme".into(),
        product: "ABC".into(),
        version_text: "vers:all/*".into(),
        ..ProductRef::default()
    };
    let index_with = |status: ProductStatus| FeedIndex {
        advisories: vec![
            (
                info(FeedKind::Csaf, "ACME-2021-01", "2021-12-20"),
                vec![vuln("CVE-2021-44228", vec![advisory.clone()])],
            ),
            (
                info(FeedKind::Vex, "VEX ABC", "2022-03-03"),
                vec![vuln("CVE-2021-44228", vec![vex(status)])],
            ),
        ],
        ..FeedIndex::default()
    };
    let at = |v: &str| {
        device(&[
            ("manufacturer", "Acme Corp."),
            ("model", "ABC"),
            ("software_version", v),
        ])
    };
    let not_affected = index_with(ProductStatus::NotAffected);
    assert!(match_device(&at("4.2"), &[], &not_affected).is_empty());
    let m = match_device(&at("4.3"), &[], &not_affected);
    assert_eq!(cves(&m), ["CVE-2021-44228"]);
    assert_eq!(m[0].sources.len(), 1);
    let affected = index_with(ProductStatus::Affected);
    let m = match_device(&at("4.2"), &[], &affected);
    assert_eq!(m[0].sources.len(), 2, "{m:?}");
    assert_eq!(m[0].confidence, Confidence::High);
    // A model whose name only contains `ABC` is not reached by the vendorless statement.
    let other = device(&[("manufacturer", "Other"), ("model", "ABC 2")]);
    assert!(match_device(&other, &[], &affected).is_empty());
}

#[test]
fn an_operating_system_version_in_the_text_is_compared() {
    // ICSMA-19-274-01 (URGENT/11): `VxWorks`, `<= 6.5`, under a five-vendor branch.
    let idx = FeedIndex {
        advisories: vec![(
            info(FeedKind::Csaf, "ICSMA-19-274-01", "2019-10-01"),
            vec![vuln(
                "CVE-2019-12256",
                vec![csaf_ref(
                    "ENEA, Green Hills Software, ITRON, IP Infusion, and Wind River",
                    "VxWorks",
                    "<= 6.5",
                    "Older, end-of-life versions of VxWorks back to 6.5",
                )],
            )],
        )],
        ..FeedIndex::default()
    };
    let with_os = |os: &str| {
        device(&[
            ("manufacturer", "Acme"),
            ("model", "Infusion Pump 9"),
            ("operating_system", os),
        ])
    };
    let m = match_device(&with_os("VxWorks 6.4"), &[], &idx);
    assert_eq!(cves(&m), ["CVE-2019-12256"]);
    assert_eq!(m[0].confidence, Confidence::Medium);
    assert!(
        m[0].reason
            .starts_with("operating system + version 6.4 in range ≤ 6.5")
    );
    assert!(match_device(&with_os("VxWorks 6.9"), &[], &idx).is_empty());
    assert_eq!(
        match_device(&with_os("VxWorks"), &[], &idx)[0].confidence,
        Confidence::Medium
    );
    assert!(match_device(&with_os("Linux 4.19"), &[], &idx).is_empty());
}

/// One corpus advisory read by the real CSAF reader, as the only document of an index.
fn read_corpus_advisory(name: &str) -> FeedIndex {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/csaf")
        .join(name);
    let file = crate::vuln::feed::read_file(&path).unwrap();
    let mut idx = FeedIndex::default();
    for doc in file.documents {
        if let crate::vuln::FeedDocument::Advisory {
            info,
            vulnerabilities,
        } = doc
        {
            idx.advisories.push((info, vulnerabilities));
        }
    }
    idx
}

#[test]
fn the_fix_status_is_the_matched_products_own() {
    // ICSMA-23-194-01: vendor_fix names the Systems Manager (CSAFPID-0003), Calculation
    // Services (-0005) and, for CVE-2023-30565, CQI Reporter (-0004); the PCU 8015
    // (CSAFPID-0001) and the Guardrails Editor have mitigations only.
    let idx = read_corpus_advisory("icsma-23-194-01.json");
    let fixes = |model: &str, sw: &str| -> Vec<(String, FixStatus)> {
        match_device(
            &device(&[
                ("manufacturer", "BD"),
                ("model", model),
                ("software_version", sw),
            ]),
            &[],
            &idx,
        )
        .into_iter()
        .map(|m| (m.cve, m.fix))
        .collect()
    };
    let pcu = fixes("BD Alaris Point-of-Care Unit (PCU) Model 8015", "12.1.2");
    assert_eq!(pcu.len(), 8, "{pcu:?}");
    assert!(pcu.iter().all(|(_, f)| *f == FixStatus::Unknown), "{pcu:?}");

    let manager = fixes("BD Alaris Systems Manager", "12.3");
    let fix_of = |cve: &str| manager.iter().find(|(c, _)| c == cve).map(|(_, f)| *f);
    assert_eq!(manager.len(), 8, "{manager:?}");
    for cve in [
        "CVE-2018-1285",
        "CVE-2023-30563",
        "CVE-2023-30564",
        "CVE-2023-30565",
    ] {
        assert_eq!(fix_of(cve), Some(FixStatus::FixValidated), "{cve}");
    }
    // Version 12.5.1 "partially remediates CVE-2023-30562".
    assert_eq!(fix_of("CVE-2023-30562"), Some(FixStatus::FixPending));
    for cve in ["CVE-2023-30559", "CVE-2023-30560", "CVE-2023-30561"] {
        assert_eq!(
            fix_of(cve),
            Some(FixStatus::Unknown),
            "{cve}: mitigations only"
        );
    }

    // Guardrails Editor 12.1.3 (CSAFPID-0006): CVE-2023-30562 only, mitigation only.
    let editor = fixes("BD Alaris Guardrails Editor", "12.1.3");
    assert_eq!(
        editor,
        vec![("CVE-2023-30562".to_string(), FixStatus::Unknown)]
    );

    // ICSMA-17-017-02: "BD has not developed a product fix", filed as vendor_fix.
    let idx = read_corpus_advisory("icsma-17-017-02-redacted.json");
    let m = match_device(
        &device(&[
            ("manufacturer", "Becton Dickinson"),
            ("model", "Alaris 8015 PC Unit"),
            ("software_version", "9.19"),
        ]),
        &[],
        &idx,
    );
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(m.iter().all(|m| m.fix == FixStatus::NoFixPlanned), "{m:?}");
}

#[test]
fn of_several_references_the_best_confidence_gives_the_fix_status() {
    // A Low family match to a fixed product must not lend its fix to a High match of the
    // device's own product that has none (the two BD Alaris advisories' names).
    let mut own = csaf_ref(
        "Becton, Dickinson and Company (BD)",
        "Alaris 8015 PC unit",
        "<= 9.33",
        "Alaris 8015 PC unit: Versions 9.33 and prior",
    );
    own.fix = FixStatus::Unknown;
    let mut family = csaf_ref(
        "Becton, Dickinson and Company (BD)",
        "BD Alaris Point-of-Care Unit (PCU) Model 8015",
        "<=12.1.3",
        "BD Alaris Point-of-Care Unit (PCU) Model 8015: <=12.1.3",
    );
    family.fix = FixStatus::FixValidated;
    let idx = FeedIndex {
        advisories: vec![(
            info(FeedKind::Csaf, "TEST-FIX", "2024-01-01"),
            vec![Vulnerability {
                fix: FixStatus::FixValidated,
                ..vuln("CVE-2024-0100", vec![own, family])
            }],
        )],
        ..FeedIndex::default()
    };
    let pump = device(&[
        ("manufacturer", "Becton Dickinson"),
        ("model", "Alaris 8015 PC Unit"),
        ("software_version", "9.19"),
    ]);
    let m = match_device(&pump, &[], &idx);
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].confidence, Confidence::High, "{m:?}");
    assert_eq!(m[0].fix, FixStatus::Unknown, "{m:?}");
    // At 12.0 only the family reference matches (Low): its own status counts.
    let pump_12 = device(&[
        ("manufacturer", "Becton Dickinson"),
        ("model", "Alaris 8015 PC Unit"),
        ("software_version", "12.0"),
    ]);
    let m = match_device(&pump_12, &[], &idx);
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].confidence, Confidence::Low, "{m:?}");
    assert_eq!(m[0].fix, FixStatus::FixValidated, "{m:?}");

    // NVD, CVE 5 and VEX give the status per record: their references take it.
    let mut idx = idx;
    idx.advisories[0].0.kind = FeedKind::CveRecord;
    let m = match_device(&pump, &[], &idx);
    assert_eq!(m[0].fix, FixStatus::FixValidated, "{m:?}");
}
