//! Hostile-input sweep of every importer (issue 7): nmap XML, inventory (CSV, xlsx, xls, ods),
//! workbook (a filled template), `export json`, MDS2 (spreadsheet and text), feeds (KEV JSON
//! and CSV, CSAF, NVD, CVE 5, VEX) and SBOMs (CycloneDX, SPDX).
//!
//! Each importer's library entry point (and the plan a real run makes, against a demo
//! workbook) is fed mutated copies of the real corpus files (`../shared/corpus`, read at test
//! time; see `hostile/mutate.rs`) and generated input (`hostile/garbage.rs`); every case must
//! end without a panic, within 5 s, read or refused with a one-line error naming the file.
//! A sample of cases and every special case (1 MB values, 10,000-deep nesting, zip bombs,
//! entity declarations, UTF-16) also goes through the real binary into a real workbook
//! (`hostile/binary.rs`): exit 0 or 4, one clear stderr line, no raw control character on the
//! terminal, peak memory bounded, and the workbook unchanged when the import fails.
//!
//! Case counts: a small default per property keeps `cargo test` quick; set
//! `MEDSEC_HOSTILE_CASES=N` for N cases per property (and N/20, at least 2, binary runs per
//! importer), e.g. `MEDSEC_HOSTILE_CASES=1000 cargo test --test hostile -- --nocapture`. Each
//! property prints its count, how many cases were read and refused, and its time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "hostile/binary.rs"]
mod binary;
mod common;
#[path = "hostile/garbage.rs"]
mod garbage;
#[path = "hostile/importers.rs"]
mod importers;
#[path = "hostile/mutate.rs"]
mod mutate;
#[path = "hostile/special.rs"]
mod special;

use std::cell::Cell;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use binary::Bench;
use importers::{Ctx, Importer, Seed, run_case};

/// The case count of a property: `MEDSEC_HOSTILE_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("MEDSEC_HOSTILE_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Whether `MEDSEC_HOSTILE_CASES` asks for the big run.
fn full_run() -> bool {
    std::env::var_os("MEDSEC_HOSTILE_CASES").is_some()
}

/// Mutated-corpus binary runs per importer: `MEDSEC_HOSTILE_CASES / 20` (at least 2) when
/// set, else 1.
fn binary_cases() -> u32 {
    std::env::var("MEDSEC_HOSTILE_CASES")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map_or(1, |n| (n / 20).max(2))
}

/// The default run (CI, `cargo test`) draws the same cases every time, so that it passes or
/// fails the same way on every machine; the big run (`MEDSEC_HOSTILE_CASES`) draws new ones.
fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    if full_run() {
        TestRunner::new(config)
    } else {
        let rng = proptest::test_runner::TestRng::deterministic_rng(config.rng_algorithm);
        TestRunner::new_with_rng(config, rng)
    }
}

/// Runs `cases` cases of `strategy` through the importer's library reading; `make` turns a
/// generated value into the case's bytes and extension. Panics with the minimal failing case.
fn sweep<S: Strategy>(
    importer: Importer,
    label: &str,
    ctx: &Ctx,
    cases: u32,
    strategy: S,
    make: impl Fn(&S::Value) -> (Vec<u8>, String, String),
) {
    let dir = tempfile::tempdir().unwrap();
    let (ran, read, slowest) = (Cell::new(0u32), Cell::new(0u32), Cell::new(Duration::ZERO));
    let started = Instant::now();
    let result = runner(cases).run(&strategy, |v| {
        let (bytes, ext, origin) = make(&v);
        let (was_read, took) = run_case(importer, ctx, dir.path(), &ext, &bytes)
            .map_err(|m| TestCaseError::fail(format!("{origin}: {m}")))?;
        ran.set(ran.get() + 1);
        read.set(read.get() + u32::from(was_read));
        slowest.set(slowest.get().max(took));
        Ok(())
    });
    if let Err(e) = result {
        panic!("hostile {} {label}: {e}", importer.name());
    }
    eprintln!(
        "hostile {} {label}: {} cases ({} read, {} refused) in {:.1} s, slowest {:.0} ms",
        importer.name(),
        ran.get(),
        read.get(),
        ran.get() - read.get(),
        started.elapsed().as_secs_f64(),
        slowest.get().as_secs_f64() * 1000.0
    );
}

/// A mutated seed: which seed, whether inside a zip member (and which), the mutations.
fn mutated_case(
    seeds: &[Seed],
) -> impl Strategy<Value = (usize, bool, usize, Vec<mutate::Mutation>)> {
    (
        0..seeds.len(),
        any::<bool>(),
        any::<usize>(),
        mutate::mutations(),
    )
}

fn make_mutated(
    seeds: &[Seed],
    v: &(usize, bool, usize, Vec<mutate::Mutation>),
) -> (Vec<u8>, String, String) {
    let (i, in_member, member, muts) = v;
    let s = &seeds[*i];
    let bytes = if s.is_zip() && *in_member {
        mutate::mutated_member(&s.bytes, *member, muts)
    } else {
        mutate::mutated(&s.bytes, muts)
    };
    (bytes, s.ext.clone(), format!("mutated {}", s.name))
}

/// The corpus sweep of one importer.
fn corpus_sweep(importer: Importer, default_cases: u32) {
    let ctx = Ctx::new();
    let seeds = importer.seeds();
    assert!(!seeds.is_empty(), "{} has no seeds", importer.name());
    sweep(
        importer,
        "mutated corpus",
        &ctx,
        cases(default_cases),
        mutated_case(&seeds),
        |v| make_mutated(&seeds, v),
    );
}

/// The JSON-tree sweep of one JSON importer: its JSON seeds parsed, nodes replaced (by
/// generated values of the importers' vocabulary), removed or duplicated, and written again,
/// so that the cases get past the JSON parser into the format's reader.
fn tree_sweep(importer: Importer, default_cases: u32) {
    let ctx = Ctx::new();
    let seeds: Vec<Seed> = importer
        .seeds()
        .into_iter()
        .filter(|s| s.ext == "json" && s.bytes.len() < 512 * 1024)
        .collect();
    assert!(!seeds.is_empty(), "{} has no JSON seeds", importer.name());
    let strategy = (
        0..seeds.len(),
        mutate::tree_mutations(garbage::json_value()),
        any::<bool>(),
    );
    sweep(
        importer,
        "mutated JSON trees",
        &ctx,
        cases(default_cases),
        strategy,
        |(i, muts, pretty)| {
            let s = &seeds[*i];
            (
                mutate::mutated_tree(&s.bytes, muts, *pretty),
                s.ext.clone(),
                format!("tree-mutated {}", s.name),
            )
        },
    );
}

/// The generated-input sweep of one importer: arbitrary bytes and structure-aware documents.
fn generated_sweep(importer: Importer, default_cases: u32) {
    let ctx = Ctx::new();
    let n = cases(default_cases);
    sweep(
        importer,
        "arbitrary bytes",
        &ctx,
        n,
        garbage::bytes(),
        |b| (b.clone(), ext_of(importer).to_string(), "generated".into()),
    );
    let ext = ext_of(importer).to_string();
    match importer {
        Importer::Nmap => sweep(
            importer,
            "generated XML",
            &ctx,
            n,
            garbage::nmap_document(),
            |b| (b.clone(), ext.clone(), "generated".into()),
        ),
        Importer::Inventory => {
            sweep(
                importer,
                "generated CSV",
                &ctx,
                n,
                garbage::csv_document(),
                |b| (b.clone(), "csv".to_string(), "generated".into()),
            );
            sweep(
                importer,
                "generated xlsx",
                &ctx,
                n,
                garbage::template_xlsx(),
                |b| (b.clone(), "xlsx".to_string(), "generated".into()),
            );
        }
        Importer::Workbook => sweep(
            importer,
            "generated xlsx",
            &ctx,
            n,
            garbage::template_xlsx(),
            |b| (b.clone(), "xlsx".to_string(), "generated".into()),
        ),
        Importer::Mds2 => sweep(
            importer,
            "generated text",
            &ctx,
            n,
            garbage::mds2_text(),
            |b| (b.clone(), "txt".to_string(), "generated".into()),
        ),
        Importer::Json | Importer::Feed | Importer::Sbom => sweep(
            importer,
            "generated JSON",
            &ctx,
            n,
            garbage::json_document(),
            |b| (b.clone(), ext.clone(), "generated".into()),
        ),
    }
}

fn ext_of(importer: Importer) -> &'static str {
    match importer {
        Importer::Nmap => "xml",
        Importer::Inventory => "csv",
        Importer::Workbook => "xlsx",
        Importer::Mds2 => "txt",
        Importer::Json | Importer::Feed | Importer::Sbom => "json",
    }
}

#[test]
fn nmap_survives_mutated_scans() {
    corpus_sweep(Importer::Nmap, 64);
}

#[test]
fn nmap_survives_generated_input() {
    generated_sweep(Importer::Nmap, 32);
}

#[test]
fn inventory_survives_mutated_inventories() {
    corpus_sweep(Importer::Inventory, 16);
}

#[test]
fn inventory_survives_generated_input() {
    generated_sweep(Importer::Inventory, 16);
}

#[test]
fn workbook_survives_mutated_copies() {
    corpus_sweep(Importer::Workbook, 8);
}

#[test]
fn workbook_survives_generated_input() {
    generated_sweep(Importer::Workbook, 6);
}

#[test]
fn json_survives_mutated_exports() {
    corpus_sweep(Importer::Json, 16);
}

#[test]
fn json_survives_generated_input() {
    generated_sweep(Importer::Json, 32);
}

#[test]
fn mds2_survives_mutated_forms() {
    corpus_sweep(Importer::Mds2, 24);
}

#[test]
fn mds2_survives_generated_input() {
    generated_sweep(Importer::Mds2, 32);
}

#[test]
fn feeds_survive_mutated_feeds() {
    corpus_sweep(Importer::Feed, 32);
}

#[test]
fn feeds_survive_generated_input() {
    generated_sweep(Importer::Feed, 32);
}

#[test]
fn sboms_survive_mutated_sboms() {
    corpus_sweep(Importer::Sbom, 32);
}

#[test]
fn sboms_survive_generated_input() {
    generated_sweep(Importer::Sbom, 32);
}

#[test]
fn json_survives_mutated_json_trees() {
    tree_sweep(Importer::Json, 12);
}

#[test]
fn feeds_survive_mutated_json_trees() {
    tree_sweep(Importer::Feed, 48);
}

#[test]
fn sboms_survive_mutated_json_trees() {
    tree_sweep(Importer::Sbom, 48);
}

/// The special cases of every importer through its library entry point.
#[test]
fn special_cases_are_refused_or_read_quickly_by_the_library() {
    let ctx = Ctx::new();
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for importer in importers::ALL {
        for case in special::cases(importer, true) {
            // `MEDSEC_HOSTILE_DUMP=DIR` keeps each special case's file there, to reproduce it.
            if let Some(dump) = std::env::var_os("MEDSEC_HOSTILE_DUMP") {
                let name = format!("{}-{}.{}", importer.name(), case.label, case.ext)
                    .replace(['/', ' ', ':', ','], "_");
                let _ = std::fs::write(std::path::Path::new(&dump).join(name), &case.bytes);
            }
            match run_case(importer, &ctx, dir.path(), &case.ext, &case.bytes) {
                Ok((read, took)) => eprintln!(
                    "hostile {} {}: {} in {:.0} ms",
                    importer.name(),
                    case.label,
                    if read { "read" } else { "refused" },
                    took.as_secs_f64() * 1000.0
                ),
                Err(m) => failures.push(format!("{}: {m}", case.label)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The special cases and a sample of mutated corpus files through the real binary into a real
/// workbook, one bench (demo workbook) per importer.
fn binary_sweep(importer: Importer) {
    let bench = Bench::new();
    let mut failures = Vec::new();
    let mut peak = 0u64;
    let started = Instant::now();
    // A quick run sends the cases that test the limits (size, depth, bombs, entities) and the
    // terminal (escapes); the big run sends them all.
    let quick = [
        "1 MB", "deep", "bomb", "laughs", "escape", "XFD", "repeated", "members",
    ];
    let specials: Vec<special::Special> = special::cases(importer, full_run())
        .into_iter()
        .filter(|c| full_run() || quick.iter().any(|q| c.label.contains(q)))
        .collect();
    for case in &specials {
        match bench.check(importer, &case.ext, &case.bytes) {
            Ok(run) => {
                peak = peak.max(run.max_rss_kib.unwrap_or(0));
                eprintln!(
                    "hostile binary {} {}: exit {} in {:.2} s, peak {} KiB",
                    importer.name(),
                    case.label,
                    run.code,
                    run.took.as_secs_f64(),
                    run.max_rss_kib.map_or("?".to_string(), |k| k.to_string())
                );
            }
            Err(m) => failures.push(format!("{}: {m}", case.label)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let before = bench.verify();
    let seeds = importer.seeds();
    let ran = Cell::new(0u32);
    let exit0 = Cell::new(0u32);
    let result = runner(binary_cases()).run(&mutated_case(&seeds), |v| {
        let (bytes, ext, origin) = make_mutated(&seeds, &v);
        let run = bench
            .check(importer, &ext, &bytes)
            .map_err(|m| TestCaseError::fail(format!("{origin}: {m}")))?;
        ran.set(ran.get() + 1);
        exit0.set(exit0.get() + u32::from(run.code == 0));
        Ok(())
    });
    if let Err(e) = result {
        panic!("hostile binary {}: {e}", importer.name());
    }
    let after = bench.verify();
    if exit0.get() == 0 {
        assert_eq!(
            before, after,
            "no import succeeded, yet the workbook changed"
        );
    }
    eprintln!(
        "hostile binary {}: {} special + {} mutated runs ({} exit 0) in {:.1} s, peak {} KiB",
        importer.name(),
        specials.len(),
        ran.get(),
        exit0.get(),
        started.elapsed().as_secs_f64(),
        peak
    );
}

#[test]
fn binary_nmap() {
    binary_sweep(Importer::Nmap);
}

#[test]
fn binary_inventory() {
    binary_sweep(Importer::Inventory);
}

#[test]
fn binary_workbook() {
    binary_sweep(Importer::Workbook);
}

#[test]
fn binary_json() {
    binary_sweep(Importer::Json);
}

#[test]
fn binary_mds2() {
    binary_sweep(Importer::Mds2);
}

#[test]
fn binary_feed() {
    binary_sweep(Importer::Feed);
}

#[test]
fn binary_sbom() {
    binary_sweep(Importer::Sbom);
}
