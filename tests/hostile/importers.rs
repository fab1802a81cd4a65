//! Every importer, as the hostile-input sweep drives it: its seeds (the real corpus files under
//! `../shared/corpus`, read at test time, and the spreadsheet fixtures of `tests/fixtures`), its
//! library entry point followed by the plan a real run would make against a demo workbook, and
//! the `medsec import ...` arguments of a run through the binary. Checks of one outcome: no
//! panic (proptest reports one), bounded time, and an error that is one line naming the file.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use medsec::demo::{DemoOptions, meta, populate};
use medsec::device::Device;
use medsec::import::inventory::{InventoryOptions, read_inventory};
use medsec::import::plan_changeset::{PlanOptions, plan_changeset};
use medsec::import::sheet::Limits;
use medsec::import::{json, nmap, plan_inventory, plan_nmap, workbook};
use medsec::mds2::plan::{Mds2Target, plan};
use medsec::progress::NoProgress;
use medsec::vuln::{feed, sbom};
use medsec::workbook::{Passphrase, Workbook};

/// The longest one case may take in a debug build.
pub const MAX_CASE: Duration = Duration::from_secs(5);

/// The name every case file starts with, so that error messages can be checked for it.
pub const CASE_STEM: &str = "hostile-case";

/// The importers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Importer {
    /// `import nmap`.
    Nmap,
    /// `import inventory`.
    Inventory,
    /// `import workbook`.
    Workbook,
    /// `import json`.
    Json,
    /// `import mds2`.
    Mds2,
    /// `import feed`.
    Feed,
    /// `import sbom`.
    Sbom,
}

/// All of them.
pub const ALL: [Importer; 7] = [
    Importer::Nmap,
    Importer::Inventory,
    Importer::Workbook,
    Importer::Json,
    Importer::Mds2,
    Importer::Feed,
    Importer::Sbom,
];

/// One seed file.
#[derive(Debug, Clone)]
pub struct Seed {
    /// Where it came from (for messages).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// The extension a case made from it gets (`xml`, `csv`, `xlsx`, ...).
    pub ext: String,
}

impl Seed {
    /// Whether it is a zip archive (xlsx, ods).
    pub fn is_zip(&self) -> bool {
        self.bytes.starts_with(b"PK\x03\x04")
    }
}

/// The corpus folder.
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("MEDSEC_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    )
}

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn seed(path: &Path) -> Seed {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("seed {} unreadable: {e}", path.display()));
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "txt".into());
    Seed {
        name: path.display().to_string(),
        bytes,
        ext,
    }
}

fn corpus_files(folder: &str, exts: &[&str]) -> Vec<PathBuf> {
    let dir = corpus_dir().join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus folder {} unreadable: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| exts.iter().any(|e| x.eq_ignore_ascii_case(e)))
        })
        .collect();
    files.sort();
    files
}

/// A small CSV inventory in the shape hospitals export.
const INVENTORY_CSV: &str = "Asset Tag,Name,Manufacturer,Model,Serial Number,IP Address,MAC,Location,Firmware\n\
BME-0001,Infusion pump 1,Baxter,Sigma Spectrum,SN-0001,10.20.1.11,00:11:22:33:44:01,ICU bed 1,8.01.01\n\
BME-0002,Infusion pump 2,Baxter,Sigma Spectrum,SN-0002,10.20.1.12,00:11:22:33:44:02,ICU bed 2,8.01.01\n\
BME-0003,Patient monitor,GE,Carescape B650,SM-88,10.20.2.40,00:11:22:33:44:03,Ward 4,2.0.1\n\
BME-0004,\"Ultrasound, cart\",Philips,EPIQ 7,US-7,10.20.3.9,,Radiology,7.0.5\n";

/// A minimal SPDX 2.3 JSON SBOM.
const SPDX: &str = r#"{
  "spdxVersion": "SPDX-2.3",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": "pump-fw",
  "creationInfo": {"created": "2025-01-01T00:00:00Z", "creators": ["Tool: x"]},
  "documentDescribes": ["SPDXRef-fw"],
  "packages": [
    {"SPDXID": "SPDXRef-fw", "name": "Pump firmware", "versionInfo": "4.2", "supplier": "Organization: Acme"},
    {"SPDXID": "SPDXRef-ssl", "name": "openssl", "versionInfo": "1.0.2k", "supplier": "NOASSERTION",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:generic/openssl@1.0.2k"},
                      {"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*"}]}
  ]
}"#;

fn text_seed(name: &str, text: &str, ext: &str) -> Seed {
    Seed {
        name: name.to_string(),
        bytes: text.as_bytes().to_vec(),
        ext: ext.to_string(),
    }
}

/// The exported JSON of a demo workbook, made once through the binary (`demo`, `export json`).
pub fn exported_json() -> &'static Seed {
    static SEED: OnceLock<Seed> = OnceLock::new();
    SEED.get_or_init(|| {
        let env = crate::common::Env::new().unwrap_or_else(|e| panic!("env: {e}"));
        let demo = env.path("demo.medsec");
        env.cmd()
            .arg("demo")
            .arg(&demo)
            .args(["--devices", "6", "--no-open"])
            .assert()
            .success();
        let out = env.path("demo.json");
        env.cmd()
            .arg("-w")
            .arg(&demo)
            .args(["export", "json"])
            .arg(&out)
            .assert()
            .success();
        seed(&out)
    })
}

impl Importer {
    /// Its name as `medsec import` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Importer::Nmap => "nmap",
            Importer::Inventory => "inventory",
            Importer::Workbook => "workbook",
            Importer::Json => "json",
            Importer::Mds2 => "mds2",
            Importer::Feed => "feed",
            Importer::Sbom => "sbom",
        }
    }

    /// The seeds of this importer.
    pub fn seeds(self) -> Vec<Seed> {
        let files: Vec<PathBuf> = match self {
            Importer::Nmap => corpus_files("nmap", &["xml"]),
            Importer::Inventory => {
                let mut f = corpus_files("assets", &["xlsx"]);
                f.push(
                    corpus_dir()
                        .join("risk-templates/ciso-assistant-risk-matrix-5x5-iso-27005.xlsx"),
                );
                f.push(fixture("workbook/resaved.ods"));
                f.push(fixture("mds2/synthetic-mds2.xls"));
                f
            }
            Importer::Workbook => vec![
                fixture("workbook/resaved.xlsx"),
                fixture("workbook/resaved.ods"),
                fixture("workbook/edited.xls"),
                fixture("workbook/template-filled.ods"),
                fixture("workbook/spreadsheet-user.xlsx"),
                corpus_dir()
                    .join("risk-templates/ciso-assistant-risk_assessment_template-redacted.xlsx"),
            ],
            Importer::Json => {
                vec![corpus_dir().join("sbom/cyclonedx-vex-cisa-case1-affected.json")]
            }
            Importer::Mds2 => {
                let mut f = corpus_files("mds2", &["xlsx", "md"]);
                f.push(fixture("mds2/synthetic-mds2.xls"));
                f.push(fixture("mds2/synthetic-mds2.ods"));
                f
            }
            Importer::Feed => {
                let mut f = corpus_files("csaf", &["json"]);
                f.extend(corpus_files("nvd", &["json"]));
                f.extend(corpus_files("kev", &["json", "csv"]));
                f.extend(corpus_files("sbom", &["json"]).into_iter().filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().contains("vex"))
                }));
                f
            }
            Importer::Sbom => corpus_files("sbom", &["json"]),
        };
        let mut seeds: Vec<Seed> = files.iter().map(|p| seed(p)).collect();
        match self {
            Importer::Inventory => seeds.push(text_seed("inventory.csv", INVENTORY_CSV, "csv")),
            Importer::Json => seeds.push(exported_json().clone()),
            Importer::Sbom => seeds.push(text_seed("spdx.json", SPDX, "json")),
            Importer::Feed => {
                // The KEV catalog cut to its first 20 entries: small enough for tree mutations.
                let kev = corpus_dir().join("kev/known_exploited_vulnerabilities-redacted.json");
                let mut doc: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&kev).unwrap_or_default())
                        .unwrap_or_else(|e| panic!("{}: {e}", kev.display()));
                if let Some(v) = doc
                    .get_mut("vulnerabilities")
                    .and_then(serde_json::Value::as_array_mut)
                {
                    v.truncate(20);
                }
                seeds.push(Seed {
                    name: "KEV, first 20 entries".to_string(),
                    bytes: serde_json::to_vec_pretty(&doc).unwrap_or_default(),
                    ext: "json".to_string(),
                });
            }
            _ => {}
        }
        seeds
    }

    /// The library entry point on the file at `path`, then the plan a real run would make.
    /// `Ok` when the file was read (whatever the plan said), `Err` with the reading error's
    /// Display otherwise.
    pub fn read(self, ctx: &Ctx, path: &Path) -> Result<(), String> {
        let typed = ctx.wb.typed_fields_map().map_err(|e| e.to_string())?;
        match self {
            Importer::Nmap => {
                let scan = nmap::parse_file(path).map_err(|e| e.to_string())?;
                let p = plan_nmap::plan_nmap(&scan, ctx.devices.clone(), &typed);
                let _ = (p.render(), p.counts());
            }
            Importer::Inventory => {
                let inv = read_inventory(path, &InventoryOptions::default())
                    .map_err(|e| e.to_string())?;
                let p = plan_inventory::plan_inventory(&inv, ctx.devices.clone(), &typed);
                let _ = (p.render(), p.counts());
            }
            Importer::Workbook | Importer::Json => {
                let cs = if self == Importer::Workbook {
                    workbook::read(path, &Limits::default(), &mut NoProgress)
                        .map_err(|e| e.to_string())?
                } else {
                    json::read(path, &mut NoProgress).map_err(|e| e.to_string())?
                };
                for accept_foreign in [false, true] {
                    let opts = PlanOptions {
                        accept_foreign,
                        with_matrix: true,
                        today: chrono::Local::now().date_naive(),
                    };
                    match plan_changeset(&ctx.wb, &cs, &opts) {
                        Ok(p) => {
                            let _ = p.report.render();
                        }
                        Err(e) => one_line("plan", &e.to_string())
                            .map_err(|m| format!("PLAN ERROR NOT ONE LINE: {m}"))?,
                    }
                }
            }
            Importer::Mds2 => {
                let file = medsec::mds2::read_file(path).map_err(|e| e.to_string())?;
                let first = &ctx.devices[..1];
                let target = Mds2Target::Device(first[0].id);
                let p = plan(&file, &target, "DEV-0001", first, &|_, _| None, false);
                let model = Mds2Target::Model {
                    manufacturer: first[0].get("manufacturer").to_string(),
                    model: first[0].get("model").to_string(),
                };
                let _ = plan(&file, &model, "model", first, &|_, _| None, true);
                let _ = p.suggestions.len();
            }
            Importer::Feed => {
                let file = feed::read_file(path).map_err(|e| e.to_string())?;
                ctx.wb
                    .plan_feeds(&[file])
                    .map_err(|e| format!("PLAN FAILED: {e}"))?;
            }
            Importer::Sbom => {
                sbom::read_file(path).map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

/// What a reading needs: a demo workbook (24 devices, answers, risks; a copy per test) and
/// its devices.
pub struct Ctx {
    /// Kept for the workbook's life.
    _dir: tempfile::TempDir,
    /// The workbook, opened for writing (nothing writes to it).
    pub wb: Workbook,
    /// Its devices.
    pub devices: Vec<Device>,
}

impl Ctx {
    /// Opens a copy of the demo workbook, which is made once per test run.
    pub fn new() -> Ctx {
        static DEMO: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
        let (_keep, demo) = DEMO.get_or_init(|| {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
            let path = dir.path().join("demo.medsec");
            let today = chrono::Local::now().date_naive();
            let mut wb = Workbook::create(
                &path,
                &Passphrase::new(crate::common::PASSPHRASE.to_string()),
                meta(today),
            )
            .unwrap_or_else(|e| panic!("create: {e}"));
            populate(
                &mut wb,
                &DemoOptions {
                    today,
                    ..DemoOptions::default()
                },
            )
            .unwrap_or_else(|e| panic!("demo: {e}"));
            drop(wb);
            (dir, path)
        });
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let path = dir.path().join("demo.medsec");
        std::fs::copy(demo, &path).unwrap_or_else(|e| panic!("copy demo: {e}"));
        let wb = Workbook::open(
            &path,
            &Passphrase::new(crate::common::PASSPHRASE.to_string()),
            medsec::workbook::Access::Write,
        )
        .unwrap_or_else(|e| panic!("open: {e}"));
        let devices = wb.devices().unwrap_or_else(|e| panic!("devices: {e}"));
        Ctx {
            _dir: dir,
            wb,
            devices,
        }
    }
}

/// Checks an error message: not empty, one line, no debug dump (`Error {`, `Custom {`,
/// `kind:`), no panic text.
pub fn one_line(what: &str, message: &str) -> Result<(), String> {
    let m = message.trim_end();
    if m.is_empty() {
        return Err(format!("{what}: empty error message"));
    }
    if m.contains('\n') || m.contains('\r') {
        return Err(format!("{what}: error message of several lines: {m:?}"));
    }
    for dump in [
        "Error {",
        "Custom {",
        "kind: ",
        "Os { code",
        "panicked at",
        "RUST_BACKTRACE",
    ] {
        if m.contains(dump) {
            return Err(format!(
                "{what}: error message holds a debug dump ({dump}): {m:?}"
            ));
        }
    }
    Ok(())
}

/// Writes `bytes` as `CASE_STEM.ext` in `dir`, runs the importer's library reading on it and
/// checks the outcome: at most [`MAX_CASE`], and an error that is one line naming the file.
/// Returns whether the file was read (Ok) and how long it took.
pub fn run_case(
    importer: Importer,
    ctx: &Ctx,
    dir: &Path,
    ext: &str,
    bytes: &[u8],
) -> Result<(bool, Duration), String> {
    let path = dir.join(format!("{CASE_STEM}.{ext}"));
    std::fs::write(&path, bytes).map_err(|e| format!("cannot write the case: {e}"))?;
    let started = Instant::now();
    let outcome = importer.read(ctx, &path);
    let took = started.elapsed();
    if took > MAX_CASE {
        return Err(format!(
            "{}: a case of {} bytes took {took:?} (limit {MAX_CASE:?})",
            importer.name(),
            bytes.len()
        ));
    }
    match outcome {
        Ok(()) => Ok((true, took)),
        Err(m) => {
            one_line(importer.name(), &m)?;
            if m.starts_with("PLAN") {
                return Err(format!("{}: {m}", importer.name()));
            }
            // The nmap reader reads from any `Read` and names the line; `import nmap` adds
            // the file (checked by the binary runs).
            let located = importer == Importer::Nmap
                && m.strip_prefix("line ")
                    .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
            if !m.contains(CASE_STEM) && !located {
                return Err(format!(
                    "{}: error message does not name the file: {m:?}",
                    importer.name()
                ));
            }
            Ok((false, took))
        }
    }
}
