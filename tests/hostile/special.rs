//! The special hostile cases of each importer, built in the test from the seeds: 1 MB values
//! (attribute, text, cell, JSON string, text line), nesting 10,000 deep (JSON arrays, XML
//! elements, a sheet's XML), zip bombs (one member of 16 MiB at about 1000:1, and 10,001
//! members), DOCTYPEs declaring entities (the "billion laughs" and an external `SYSTEM`
//! entity), UTF-16 and Latin-1 text, and terminal escape sequences in values that are valid
//! in their format (C1 controls in XML, `\u001b` in JSON strings).

use super::importers::{Importer, Seed, corpus_dir, exported_json};
use super::mutate::{self, Encoding, recode, unzip, zip_of};

/// One MiB.
const MB: usize = 1 << 20;
/// The nesting depth of the deep cases.
const DEEP: usize = 10_000;

/// One special case.
pub struct Special {
    /// What it is.
    pub label: String,
    /// The case file's extension.
    pub ext: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

fn case(label: &str, ext: &str, bytes: Vec<u8>) -> Special {
    Special {
        label: label.to_string(),
        ext: ext.to_string(),
        bytes,
    }
}

/// A DOCTYPE whose entities expand to 10^9 "lol"s.
const LAUGHS: &str = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">\
<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\
<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\
<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\
<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\
<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\
<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\
<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\
<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\
<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>";

/// A DOCTYPE with an external entity.
const EXTERNAL: &str = "<!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>";

/// `xml` with `doctype` after its XML declaration (or at the start) and `&name;` put into the
/// first text or attribute value after the root.
fn with_doctype(xml: &[u8], doctype: &str, name: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(xml).into_owned();
    let decl_end = if text.starts_with("<?xml") {
        text.find("?>").map_or(0, |i| i + 2)
    } else {
        0
    };
    let mut out = format!("{}{doctype}{}", &text[..decl_end], &text[decl_end..]);
    let reference = format!("&{name};");
    if let Some(i) = out[decl_end + doctype.len()..].find("=\"") {
        out.insert_str(decl_end + doctype.len() + i + 2, &reference);
    }
    out.into_bytes()
}

/// A zip-based spreadsheet with `f` applied to the member with the shortest name that
/// contains `member`.
fn edit_member(zip: &[u8], member: &str, f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut members = unzip(zip).unwrap_or_else(|| panic!("seed is no zip"));
    // The shortest name: `content.xml`, not the embedded chart's `Object 1/content.xml`.
    let m = members
        .iter_mut()
        .filter(|(n, _)| n.contains(member))
        .min_by_key(|(n, _)| n.len())
        .unwrap_or_else(|| panic!("no member {member}"));
    f(&mut m.1);
    zip_of(&members)
}

/// Inserts `what` right after the first occurrence of `after` (or at the end).
fn insert_after(bytes: &mut Vec<u8>, after: &str, what: &[u8]) {
    let at = bytes
        .windows(after.len())
        .position(|w| w == after.as_bytes())
        .map_or(bytes.len(), |i| i + after.len());
    bytes.splice(at..at, what.iter().copied());
}

/// Inserts `what` at the start of the text of the first `<tag>` or `<tag ...>` element that is
/// not empty (or at the end when there is none).
fn insert_into_text(bytes: &mut Vec<u8>, tag: &str, what: &[u8]) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let mut from = 0;
    let mut at = bytes.len();
    while let Some(i) = text[from..].find(&format!("<{tag}")) {
        let start = from + i;
        let rest = &text[start + tag.len() + 1..];
        let Some(end) = rest.find('>') else { break };
        let tag_end = start + tag.len() + 1 + end;
        if (rest.starts_with('>') || rest.starts_with(' ')) && !text[..tag_end].ends_with('/') {
            at = tag_end + 1;
            break;
        }
        from = tag_end;
    }
    bytes.splice(at..at, what.iter().copied());
}

/// `json` with `value` put at the start of the first string value of `key` that comes after
/// `after` (JSON spacing of any kind).
fn json_value_prefixed(json: &str, after: &str, key: &str, value: &str) -> Vec<u8> {
    let from = json.find(after).unwrap_or(0);
    let re = regex::Regex::new(&format!(r#""{key}"\s*:\s*""#)).unwrap_or_else(|e| panic!("{e}"));
    match re.find_at(json, from) {
        Some(m) => format!("{}{value}{}", &json[..m.end()], &json[m.end()..]).into_bytes(),
        None => panic!("no {key:?} after {after:?}"),
    }
}

/// The hostile variants of a zip-based spreadsheet seed: a member of 16 MiB at ~1000:1, 10,001
/// members, a sheet 10,000 deep, entities, a 1 MB text cell.
fn spreadsheet_cases(seed: &Seed, label: &str) -> Vec<Special> {
    let ods =
        String::from_utf8_lossy(&seed.bytes[..seed.bytes.len().min(200)]).contains("opendocument");
    let (sheet, strings, text_tag) = if ods {
        ("content.xml", "content.xml", "text:p")
    } else {
        ("worksheets/sheet1.xml", "sharedStrings.xml", "t")
    };
    let ext = &seed.ext;
    let mut out = Vec::new();
    out.push(case(
        &format!("{label}: zip bomb (a 16 MiB member)"),
        ext,
        {
            let members = unzip(&seed.bytes).unwrap_or_default();
            let name = members
                .iter()
                .filter(|(n, _)| n.contains(sheet))
                .min_by_key(|(n, _)| n.len())
                .map(|(n, _)| n.clone())
                .unwrap_or_default();
            mutate::zip_with_bomb(&members, &name)
        },
    ));
    let mut many = unzip(&seed.bytes).unwrap_or_default();
    for i in 0..10_001 {
        many.push((format!("junk/{i}.xml"), b"<a/>".to_vec()));
    }
    out.push(case(
        &format!("{label}: 10,001 zip members"),
        ext,
        zip_of(&many),
    ));
    let deep_open = "<x>".repeat(DEEP);
    let deep_close = "</x>".repeat(DEEP);
    out.push(case(
        &format!("{label}: sheet XML 10,000 deep"),
        ext,
        edit_member(&seed.bytes, sheet, |b| {
            let what = format!("{deep_open}{deep_close}");
            let after = if ods {
                "<office:spreadsheet>"
            } else {
                "<sheetData>"
            };
            insert_after(b, after, what.as_bytes());
        }),
    ));
    if ods {
        out.push(case(
            &format!("{label}: a value repeated over 1,000,000 rows × 16,000 columns"),
            ext,
            edit_member(&seed.bytes, sheet, |b| {
                let at = b
                    .windows(16)
                    .position(|w| w == b"<table:table-row")
                    .unwrap_or(b.len());
                b.splice(
                    at..at,
                    b"<table:table-row table:number-rows-repeated=\"1000000\">\
                      <table:table-cell table:number-columns-repeated=\"16000\" \
                      office:value-type=\"string\"><text:p>x</text:p></table:table-cell>\
                      </table:table-row>"
                        .iter()
                        .copied(),
                );
            }),
        ));
    } else {
        out.push(case(
            &format!("{label}: a value in the last cell, XFD1048576"),
            ext,
            edit_member(&seed.bytes, sheet, |b| {
                let at = b
                    .windows(12)
                    .position(|w| w == b"</sheetData>")
                    .unwrap_or(b.len());
                let far = b"<row r=\"1048576\"><c r=\"XFD1048576\" t=\"inlineStr\"><is><t>far</t></is></c></row>";
                b.splice(at..at, far.iter().copied());
            }),
        ));
    }
    out.push(case(
        &format!("{label}: billion laughs"),
        ext,
        edit_member(&seed.bytes, strings, |b| {
            *b = with_doctype(b, LAUGHS, "lol9")
        }),
    ));
    out.push(case(
        &format!("{label}: external entity"),
        ext,
        edit_member(&seed.bytes, strings, |b| {
            *b = with_doctype(b, EXTERNAL, "xxe")
        }),
    ));
    out.push(case(
        &format!("{label}: a 1 MB text cell"),
        ext,
        edit_member(&seed.bytes, strings, |b| {
            insert_into_text(b, text_tag, &vec![b'A'; MB]);
        }),
    ));
    out.push(case(
        &format!("{label}: an escape sequence in a text cell"),
        ext,
        edit_member(&seed.bytes, strings, |b| {
            insert_into_text(b, text_tag, "\u{9b}2J\u{202e}".as_bytes());
        }),
    ));
    out
}

fn corpus(rel: &str) -> Vec<u8> {
    let p = corpus_dir().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn fixture(rel: &str) -> Seed {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    Seed {
        name: rel.to_string(),
        bytes: std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        ext: p
            .extension()
            .map_or("xlsx".to_string(), |e| e.to_string_lossy().into_owned()),
    }
}

fn corpus_seed(rel: &str) -> Seed {
    let ext = rel.rsplit('.').next().unwrap_or("bin").to_string();
    Seed {
        name: rel.to_string(),
        bytes: corpus(rel),
        ext,
    }
}

/// JSON arrays 10,000 deep.
fn deep_json() -> Vec<u8> {
    format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP)).into_bytes()
}

/// JSON objects 10,000 deep under a format's keys.
fn deep_object(prefix: &str) -> Vec<u8> {
    format!(
        "{{{prefix}\"x\":{}{}}}",
        "{\"a\":".repeat(DEEP),
        "}".repeat(DEEP)
    )
    .into_bytes()
}

/// The special cases of `importer`; without `full`, a spreadsheet importer's cases are made
/// from one spreadsheet seed instead of two (the binary runs of a quick `cargo test`).
pub fn cases(importer: Importer, full: bool) -> Vec<Special> {
    let huge = "A".repeat(MB);
    match importer {
        Importer::Nmap => {
            let scan = corpus("nmap/libnmap-2_hosts_version.xml");
            let host = |inner: &str| {
                format!(
                    "<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\"><host><status state=\"up\"/>\
                     <address addr=\"10.0.0.9\" addrtype=\"ipv4\"/>{inner}</host></nmaprun>"
                )
                .into_bytes()
            };
            vec![
                case(
                    "a 1 MB host name attribute",
                    "xml",
                    host(&format!(
                        "<hostnames><hostname name=\"{huge}\"/></hostnames>"
                    )),
                ),
                case(
                    "a 1 MB script output",
                    "xml",
                    host(&format!(
                        "<ports><port protocol=\"tcp\" portid=\"104\"><state state=\"open\"/>\
                         <script id=\"x\" output=\"{huge}\">{huge}</script></port></ports>"
                    )),
                ),
                case(
                    "elements 10,000 deep",
                    "xml",
                    host(&format!("{}{}", "<x>".repeat(DEEP), "</x>".repeat(DEEP))),
                ),
                case("billion laughs", "xml", with_doctype(&scan, LAUGHS, "lol9")),
                case(
                    "external entity",
                    "xml",
                    with_doctype(&scan, EXTERNAL, "xxe"),
                ),
                case(
                    "the corpus's external entity",
                    "xml",
                    corpus("nmap/libnmap-defused_et_local_includer.xml"),
                ),
                case(
                    "UTF-16 with a BOM",
                    "xml",
                    recode(&scan, Encoding::Utf16LeBom),
                ),
                case("Latin-1", "xml", recode(&scan, Encoding::Latin1)),
                case(
                    "C1 escape and bidi override in a host name",
                    "xml",
                    host(
                        "<hostnames><hostname name=\"pump\u{9b}2J\u{202e}evil\u{85}x\"/></hostnames>\
                         <os><osmatch name=\"\u{9b}31mWindows\" accuracy=\"99\"/></os>",
                    ),
                ),
                case(
                    "a NUL in an attribute",
                    "xml",
                    host("<hostnames><hostname name=\"a\0b\"/></hostnames>"),
                ),
                case("truncated at half", "xml", scan[..scan.len() / 2].to_vec()),
            ]
        }
        Importer::Inventory => {
            let csv = "Asset Tag,Name,IP Address\nBME-1,";
            let mut v = vec![
                case(
                    "a 1 MB CSV cell",
                    "csv",
                    format!("{csv}{huge},10.0.0.1\n").into_bytes(),
                ),
                case(
                    "escape sequences in CSV cells",
                    "csv",
                    format!(
                        "{csv}\"pump\u{1b}[2J\u{1b}]0;owned\u{7}\",10.0.0.1\nBME-2,x\u{9b}31m\u{202e},10.0.0.2\n"
                    )
                    .into_bytes(),
                ),
                case(
                    "NUL bytes in a CSV",
                    "csv",
                    b"Asset Tag,Name\nBME-1,a\0b\n\0,\0\n".to_vec(),
                ),
                case(
                    "UTF-16 CSV with a BOM",
                    "csv",
                    recode(
                        b"Asset Tag,Name,Manufacturer\nBME-1,Pump,Dr\xC3\xA4ger\n",
                        Encoding::Utf16LeBom,
                    ),
                ),
                case(
                    "Latin-1 CSV",
                    "csv",
                    b"Asset Tag,Name,Manufacturer\nBME-1,Pump,Dr\xE4ger\n".to_vec(),
                ),
                case(
                    "100,000 columns",
                    "csv",
                    format!("Name{}\nx\n", ",h".repeat(100_000)).into_bytes(),
                ),
            ];
            v.extend(spreadsheet_cases(
                &corpus_seed("assets/udea-lime-F-147-inventario-equipos-biomedicos-redacted.xlsx"),
                "inventory xlsx",
            ));
            if full {
                v.extend(spreadsheet_cases(&fixture("workbook/resaved.ods"), "ods"));
            }
            v
        }
        Importer::Workbook => {
            let mut v = spreadsheet_cases(&fixture("workbook/resaved.xlsx"), "template xlsx");
            v.extend(spreadsheet_cases(
                &fixture("workbook/resaved.ods"),
                "template ods",
            ));
            let xls = fixture("workbook/edited.xls");
            v.push(case(
                "xls truncated at half",
                "xls",
                xls.bytes[..xls.bytes.len() / 2].to_vec(),
            ));
            v
        }
        Importer::Json => {
            let seed = &exported_json().bytes;
            let text = String::from_utf8_lossy(seed).into_owned();
            let with_value = |value: &str| json_value_prefixed(&text, "\"devices\"", "name", value);
            vec![
                case("arrays 10,000 deep", "json", deep_json()),
                case(
                    "objects 10,000 deep",
                    "json",
                    deep_object("\"format_version\":1,"),
                ),
                case("a 1 MB device name", "json", with_value(&huge)),
                case(
                    "escape sequences in a device name",
                    "json",
                    with_value("pump\\u001b[2J\\u001b]0;owned\\u0007\\u009b31m\\u202e"),
                ),
                case("a NUL in a device name", "json", with_value("a\\u0000b")),
                case(
                    "UTF-16 with a BOM",
                    "json",
                    recode(seed, Encoding::Utf16LeBom),
                ),
                case("truncated at half", "json", seed[..seed.len() / 2].to_vec()),
            ]
        }
        Importer::Mds2 => {
            let md = corpus("mds2/medicapture-mvr-mds2-2019-as-text.md");
            let mut v = vec![
                case(
                    "a 1 MB line",
                    "txt",
                    [md.as_slice(), b"\nDOC-2:", huge.as_bytes(), b"\n"].concat(),
                ),
                case("UTF-16 text with a BOM", "txt", recode(&md, Encoding::Utf16LeBom)),
                case("Latin-1 text", "txt", recode(&md, Encoding::Latin1)),
                case(
                    "escape sequences in answers",
                    "txt",
                    [
                        md.as_slice(),
                        "\nDOC-1: Manufacturer name: Acme\u{1b}[2J\u{1b}]0;owned\u{7}\u{9b}31m\u{202e}\n"
                            .as_bytes(),
                    ]
                    .concat(),
                ),
                case("NUL bytes in text", "txt", mutate::mutated(&md, &[mutate::Mutation::Control { nth: 5, ch: '\0' }])),
            ];
            v.extend(spreadsheet_cases(
                &corpus_seed("mds2/nema-example-mds2-worksheet-hn1-2019.xlsx"),
                "MDS2 xlsx",
            ));
            v
        }
        Importer::Feed => {
            let csaf = corpus("csaf/icsma-20-170-04.json");
            let kev_csv = corpus("kev/known_exploited_vulnerabilities-redacted.csv");
            let kev_head: Vec<u8> = kev_csv
                .split(|b| *b == b'\n')
                .take(3)
                .collect::<Vec<_>>()
                .join(&b'\n');
            let csaf_text = String::from_utf8_lossy(&csaf).into_owned();
            let csaf_title = |v: &str| {
                csaf_text
                    .replacen("\"title\": \"", &format!("\"title\": \"{v}"), 1)
                    .into_bytes()
            };
            vec![
                case("arrays 10,000 deep", "json", deep_json()),
                case(
                    "objects 10,000 deep in a CSAF",
                    "json",
                    deep_object("\"document\":{\"csaf_version\":\"2.0\"},"),
                ),
                case("a 1 MB advisory title", "json", csaf_title(&huge)),
                case(
                    "escape sequences in an advisory title",
                    "json",
                    csaf_title("\\u001b[2J\\u001b]0;owned\\u0007\\u009b31m\\u202e"),
                ),
                case(
                    "a 1 MB KEV CSV cell",
                    "csv",
                    [
                        kev_head.as_slice(),
                        b"\nCVE-2099-0001,",
                        huge.as_bytes(),
                        b",x,x,2025-01-01,x,x,2025-02-01,Unknown,x,\n",
                    ]
                    .concat(),
                ),
                case(
                    "UTF-16 CSAF with a BOM",
                    "json",
                    recode(&csaf, Encoding::Utf16LeBom),
                ),
                case(
                    "UTF-16 KEV CSV",
                    "csv",
                    recode(&kev_head, Encoding::Utf16LeBom),
                ),
                case("truncated CSAF", "json", csaf[..csaf.len() / 2].to_vec()),
            ]
        }
        Importer::Sbom => {
            let cdx = corpus("sbom/sbom-completeness-case-study-narrow.cdx14.json");
            let text = String::from_utf8_lossy(&cdx).into_owned();
            let name = |v: &str| {
                text.replacen("\"name\": \"", &format!("\"name\": \"{v}"), 2)
                    .into_bytes()
            };
            vec![
                case("arrays 10,000 deep", "json", deep_json()),
                case(
                    "objects 10,000 deep in a CycloneDX",
                    "json",
                    deep_object("\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\","),
                ),
                case("a 1 MB component name", "json", name(&huge)),
                case(
                    "escape sequences in component names",
                    "json",
                    name("\\u001b[2J\\u001b]0;owned\\u0007\\u009b31m\\u202e"),
                ),
                case("UTF-16 with a BOM", "json", recode(&cdx, Encoding::Utf16LeBom)),
                case("CycloneDX XML with entities", "xml", with_doctype(b"<?xml version=\"1.0\"?><bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\" version=\"1\"><components/></bom>", LAUGHS, "lol9")),
                case("truncated", "json", cdx[..cdx.len() / 2].to_vec()),
            ]
        }
    }
}
