//! The assessment report (`export html`, `export markdown`) through the library and the CLI:
//! well-formed, self-contained HTML whose figures are the dashboard's, hostile text escaped in
//! both formats, and outputs replaced only when they are earlier reports.

use std::error::Error;
use std::path::Path;

use assert_cmd::Command;
use chrono::{Days, NaiveDate};
use medsec::assessment::{Response, Target};
use medsec::catalog::catalog;
use medsec::report::{
    GENERATOR, RISK_MODEL_EDITED, RISK_MODEL_NIST, Report, ReportError, ReportFormat,
    ReportOptions, export_report, risk_id,
};
use medsec::risk::{RiskGrid, RiskLevel, RiskStatus, Treatment};
use medsec::workbook::{
    AnswerInput, AssessmentMeta, DeviceChange, Due, FieldSource, Passphrase, RiskEntryInput,
    Workbook,
};
use scraper::{ElementRef, Html, Selector};

type TestResult = Result<(), Box<dyn Error>>;

const PASS: &str = "correct horse battery staple";
/// A device name built to break markup: a script, quotes, a table pipe, a heading mark, a
/// right-to-left override and an escape character.
const HOSTILE: &str = "Monitor <script>alert(\"x\")</script> | # 'q' \u{202e}evil\u{1b}[31m";

fn day(text: &str) -> Result<NaiveDate, Box<dyn Error>> {
    Ok(text.parse::<NaiveDate>()?)
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn device(wb: &mut Workbook, values: &[(&'static str, &str)]) -> Result<i64, Box<dyn Error>> {
    let change = DeviceChange {
        values: values.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        ..DeviceChange::default()
    };
    Ok(wb.add_device(&change, FieldSource::Typed)?.id)
}

fn answer(
    wb: &mut Workbook,
    target: &Target,
    control: &str,
    response: Response,
    rating: Option<(u8, u8)>,
    note: &str,
) -> TestResult {
    let c = catalog().control(control).ok_or("no such control")?;
    let input = AnswerInput {
        response: Some(Some(response)),
        note: Some(note.to_string()),
        likelihood: rating.map(|r| r.0),
        // Rated on the patient-safety dimension, so the register shows (and flags) it.
        dimension_impacts: rating.map(|r| [Some(r.1), None, None]),
        ..AnswerInput::default()
    };
    wb.set_answer(target, c, &input)?;
    Ok(())
}

fn model() -> Target {
    Target::Model {
        manufacturer: "B. Braun".into(),
        model: "Space".into(),
    }
}

/// Four devices (two pumps of one model, a monitor with a hostile name, a lab PC on another
/// site); findings of every level, more than ten open; a model and a site finding; an overdue
/// in-progress risk with an owner; an expired accepted risk, a current one, a closed one; Yes
/// answers with and without evidence.
fn fixture(dir: &Path) -> Result<Workbook, Box<dyn Error>> {
    let meta = AssessmentMeta {
        organisation: "St. Example Hospital".into(),
        assessor: "A. Assessor".into(),
        title: "Clinical network assessment".into(),
        ..AssessmentMeta::default()
    };
    let mut wb = Workbook::create(&dir.join("w.medsec"), &Passphrase::new(PASS.into()), meta)?;
    let pump = [
        ("manufacturer", "B. Braun"),
        ("model", "Space"),
        ("site", "Main"),
        ("criticality", "Life-sustaining"),
    ];
    let mut a = pump.to_vec();
    a.extend([("name", "Infusion pump A"), ("ip_addresses", "10.0.0.5")]);
    let d1 = Target::Device(device(&mut wb, &a)?);
    let mut b = pump.to_vec();
    b.push(("name", "Infusion pump B"));
    let d2 = Target::Device(device(&mut wb, &b)?);
    let d3 = Target::Device(device(
        &mut wb,
        &[
            ("name", HOSTILE),
            ("manufacturer", "Philips"),
            ("model", "MX450"),
            ("site", "Main"),
            ("criticality", "Monitoring"),
        ],
    )?);
    let d4 = Target::Device(device(&mut wb, &[("name", "Lab PC"), ("site", "Annex")])?);

    use Response::*;
    answer(
        &mut wb,
        &d1,
        "ENC-01",
        No,
        Some((4, 5)),
        "=cmd | <b>bold</b>\n# heading\n- item",
    )?;
    answer(
        &mut wb,
        &d1,
        "ACC-01",
        Partial,
        Some((3, 4)),
        "shared login",
    )?;
    answer(
        &mut wb,
        &d2,
        "VULN-05",
        No,
        Some((5, 5)),
        "default password",
    )?;
    for (n, id) in [
        "ENC-03", "ENC-05", "ENC-06", "ENC-07", "ACC-02", "ACC-03", "VULN-06",
    ]
    .iter()
    .enumerate()
    {
        let l = 1 + (n % 5) as u8;
        answer(&mut wb, &d2, id, No, Some((l, 3)), "")?;
    }
    answer(&mut wb, &d3, "NET-01", No, Some((2, 2)), "flat | network")?;
    answer(&mut wb, &d3, "ENC-03", Unknown, None, "")?;
    answer(&mut wb, &model(), "INV-03", No, Some((3, 5)), "no SBOM")?;
    answer(
        &mut wb,
        &Target::Site("Main".into()),
        "IR-01",
        Partial,
        Some((3, 3)),
        "plan silent on devices",
    )?;
    answer(&mut wb, &d4, "PATCH-01", No, Some((1, 1)), "")?;
    // Yes without evidence on d4; Yes with evidence on d1.
    answer(&mut wb, &d4, "INV-01", Yes, None, "")?;
    let inv01 = catalog().control("INV-01").ok_or("INV-01")?;
    wb.set_answer(
        &d1,
        inv01,
        &AnswerInput {
            response: Some(Some(Yes)),
            evidence_ref: Some("CMMS-1".into()),
            ..AnswerInput::default()
        },
    )?;

    wb.set_risk_entry(
        &d1,
        "ENC-01",
        &RiskEntryInput {
            owner: Some("Biomed <team>".into()),
            due: Some(Due::On(day("2000-01-01")?)),
            status: Some(RiskStatus::InProgress),
            treatment: Some(Some(Treatment::Mitigate)),
            planned_actions: Some("Patch | update\n# step 2".into()),
            residual_likelihood: Some(Some(2)),
            residual_impact: Some(Some(2)),
            ..RiskEntryInput::default()
        },
    )?;
    let accept = |who: &str, review: NaiveDate, status: RiskStatus| RiskEntryInput {
        treatment: Some(Some(Treatment::Accept)),
        accepted_by: Some(who.into()),
        acceptance_note: Some(format!("accepted by {who}")),
        review_date: Some(Some(review)),
        status: Some(status),
        ..RiskEntryInput::default()
    };
    wb.set_risk_entry(
        &model(),
        "INV-03",
        &accept("CMO", day("2000-01-02")?, RiskStatus::Open),
    )?;
    wb.set_risk_entry(
        &Target::Site("Main".into()),
        "IR-01",
        &accept("CISO", day("9000-01-01")?, RiskStatus::Closed),
    )?;
    wb.set_risk_entry(
        &d4,
        "PATCH-01",
        &RiskEntryInput {
            status: Some(RiskStatus::Closed),
            ..RiskEntryInput::default()
        },
    )?;
    Ok(wb)
}

fn opts() -> ReportOptions {
    ReportOptions {
        as_of: today(),
        app_version: "0.1.0-test",
    }
}

fn sel(css: &str) -> Result<Selector, Box<dyn Error>> {
    Selector::parse(css).map_err(|e| format!("selector {css}: {e}").into())
}

fn text_of(el: ElementRef<'_>) -> String {
    el.text().collect::<String>()
}

fn rows<'a>(doc: &'a Html, css: &str) -> Result<Vec<ElementRef<'a>>, Box<dyn Error>> {
    Ok(doc.select(&sel(css)?).collect())
}

fn attr(el: ElementRef<'_>, name: &str) -> String {
    el.value().attr(name).unwrap_or_default().to_string()
}

#[test]
fn html_report_is_well_formed_self_contained_and_shows_the_dashboards_figures() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wb = fixture(dir.path())?;
    let out = dir.path().join("report.html");
    let summary = export_report(&wb, &out, ReportFormat::Html, &opts())?;
    let text = std::fs::read_to_string(&out)?;
    assert_eq!(summary.bytes, text.len());
    let report = Report::build(&wb, today(), "0.1.0-test")?;
    let dash = &report.dashboard;
    assert!(dash.open > 10 && dash.closed == 2, "fixture: {dash:?}");

    // Well-formed HTML5 with the required head.
    let doc = Html::parse_document(&text);
    assert!(doc.errors.is_empty(), "parse errors: {:?}", doc.errors);
    // The parser does report errors: a stray end tag is one.
    assert!(
        !Html::parse_document("<!DOCTYPE html><title>t</title><p>x</div>")
            .errors
            .is_empty()
    );
    assert!(text.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert_eq!(rows(&doc, "head > meta[charset=\"utf-8\"]")?.len(), 1);
    assert_eq!(rows(&doc, "head > title")?.len(), 1);
    let generator = rows(&doc, "meta[name=generator]")?;
    assert!(attr(generator[0], "content").starts_with(GENERATOR));

    // Self-contained: no script, no external resource of any kind.
    assert!(!text.to_lowercase().contains("<script"));
    for tag in [
        "link", "img", "iframe", "object", "embed", "image", "use", "video", "audio",
    ] {
        assert!(rows(&doc, tag)?.is_empty(), "a <{tag}> element");
    }
    for el in doc.select(&sel("*")?) {
        for (name, value) in el.value().attrs() {
            let v = value.to_lowercase();
            assert!(
                !(v.contains("http:") || v.contains("https:") || v.contains("url(")),
                "{name}={value:?} on <{}>",
                el.value().name()
            );
            if name == "href" {
                assert!(value.starts_with('#'), "href={value:?} leaves the file");
            }
        }
    }
    let css: String = rows(&doc, "style")?.into_iter().map(text_of).collect();
    assert!(!css.contains("url(") && !css.contains("@import") && !css.contains("@font-face"));
    assert!(css.contains("print-color-adjust:exact") && css.contains("break-before:page"));

    // Hostile text is shown as typed, never as markup, and hidden characters are made visible.
    assert!(!text.contains('\u{202e}') && !text.contains('\u{1b}'));
    let heading = rows(&doc, "section.device h3")?
        .into_iter()
        .map(text_of)
        .find(|t| t.contains("Monitor"))
        .ok_or("no heading for the hostile device")?;
    assert!(
        heading.contains("Monitor <script>alert(\"x\")</script> | # 'q' \\u{202e}evil␛[31m"),
        "{heading}"
    );
    assert!(text.contains("=cmd | &lt;b&gt;bold&lt;/b&gt;<br># heading<br>- item"));
    assert!(text.contains("Biomed &lt;team&gt;"));

    // Cover: the workbook's assessor and ID, the marking.
    let cover = text_of(rows(&doc, "header.cover")?[0]);
    assert!(cover.contains("A. Assessor") && cover.contains(&wb.meta().workbook_id));
    assert!(cover.contains("Contains network and security details – handle as confidential"));
    assert!(cover.contains(RISK_MODEL_NIST));

    // Heat map: 25 cells holding the dashboard's counts, each naming its level.
    let cells = rows(&doc, "svg.heat g.cell")?;
    assert_eq!(cells.len(), 25);
    for cell in cells {
        let l: u8 = attr(cell, "data-l").parse()?;
        let i: u8 = attr(cell, "data-i").parse()?;
        assert_eq!(attr(cell, "data-count"), dash.heat_at(l, i).to_string());
        assert_eq!(attr(cell, "data-level"), wb.risk_grid().level(l, i).label());
        assert!(text_of(cell).contains(wb.risk_grid().level(l, i).abbreviation()));
    }
    for level in RiskLevel::ALL {
        let css = format!("svg.heat g.legend[data-level=\"{}\"]", level.label());
        let legend = rows(&doc, &css)?;
        assert_eq!(
            attr(legend[0], "data-count"),
            dash.at_level(level).to_string()
        );
    }

    // Top ten in the dashboard's order.
    let top: Vec<String> = rows(&doc, "table.top tbody tr")?
        .into_iter()
        .map(|r| attr(r, "data-risk"))
        .collect();
    let want: Vec<String> = dash.top.iter().map(risk_id).collect();
    assert_eq!(top.len(), 10);
    assert_eq!(top, want);
    assert!(top.iter().all(|id| id.starts_with("R-")));

    // Remediation plan: one row per open risk, the overdue one marked.
    let plan = rows(&doc, "table.remediation tbody tr")?;
    assert_eq!(plan.len(), dash.open);
    let open: Vec<String> = report.open_risks().map(risk_id).collect();
    let shown: Vec<String> = plan.iter().map(|r| attr(*r, "data-risk")).collect();
    assert_eq!(shown, open);
    let overdue: Vec<String> = plan
        .iter()
        .filter(|r| text_of(**r).contains("overdue"))
        .map(|r| attr(*r, "data-risk"))
        .collect();
    assert_eq!(overdue.len(), dash.overdue);
    let enc01 = report
        .findings
        .iter()
        .find(|f| f.control.id == "ENC-01" && f.name == "DEV-0001")
        .ok_or("no ENC-01 finding")?;
    assert_eq!(overdue, vec![risk_id(enc01)]);

    // Accepted risks: both listed, the one past its review date marked expired.
    let accepted = rows(&doc, "table.accepted tbody tr")?;
    assert_eq!(accepted.len(), 2);
    let expired: Vec<String> = accepted
        .iter()
        .filter(|r| text_of(**r).contains("expired"))
        .map(|r| text_of(*r))
        .collect();
    assert_eq!(expired.len(), 1);
    assert!(expired[0].contains("CMO") && expired[0].contains("2000-01-02"));

    // One section per device; the pump shows its model's and site's findings too.
    let sections = rows(&doc, "section.device[data-device]")?;
    assert_eq!(sections.len(), 4);
    let pump = text_of(sections[0]);
    assert!(pump.contains("INV-03") && pump.contains("IR-01") && pump.contains("10.0.0.5"));
    assert!(pump.contains("Life-sustaining"));
    // Yes without evidence is flagged where it was given, not where evidence was named.
    let lab = text_of(sections[3]);
    assert!(lab.contains("Yes without evidence reference") && lab.contains("INV-01"));
    assert!(!pump.contains("Yes without evidence reference"));

    // The appendix lists the whole catalog.
    let controls = rows(&doc, "table.catalog tbody tr")?;
    assert_eq!(controls.len(), catalog().controls().count());
    assert_eq!(controls.len(), 72);

    // The executive summary's figures.
    let summary_text = text_of(rows(&doc, "#summary")?[0]);
    assert!(summary_text.contains("4 devices are in this assessment; 4 have at least one answer."));
    assert!(summary_text.contains(&format!("There are {} open risks", dash.open)));
    assert!(summary_text.contains("1 accepted risk is past its review date"));
    assert!(summary_text.contains(&format!(
        "{} open risks could seriously harm patients",
        report.uncontrolled_safety
    )));
    assert!(summary_text.contains("1 Yes answer has no evidence reference"));
    Ok(())
}

/// The number of `|` that separate cells in a Markdown table line (escaped ones excluded).
fn cell_separators(line: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => n += 1,
            _ => escaped = false,
        }
    }
    n
}

#[test]
fn markdown_report_has_the_same_figures_and_tables_that_hold_together() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wb = fixture(dir.path())?;
    let out = dir.path().join("report.md");
    export_report(&wb, &out, ReportFormat::Markdown, &opts())?;
    let text = std::fs::read_to_string(&out)?;
    let report = Report::build(&wb, today(), "0.1.0-test")?;
    let dash = &report.dashboard;
    assert!(text.starts_with(&format!("<!-- {GENERATOR}")));

    // Every table keeps its column count on every line: no user text breaks a row.
    let lines: Vec<&str> = text.lines().collect();
    let mut tables = 0;
    let mut n = 0;
    while n < lines.len() {
        if lines[n].starts_with('|') {
            let width = cell_separators(lines[n]);
            tables += 1;
            while n < lines.len() && lines[n].starts_with('|') {
                assert_eq!(
                    cell_separators(lines[n]),
                    width,
                    "line {}: {}",
                    n + 1,
                    lines[n]
                );
                n += 1;
            }
        } else {
            // No user text opens a heading: the only headings are the report's own.
            if let Some(h) = lines[n].strip_prefix('#') {
                assert!(
                    !h.contains("heading") && !h.contains("step 2"),
                    "{}",
                    lines[n]
                );
            }
            n += 1;
        }
    }
    assert!(tables > 10);
    assert!(
        text.contains(
            "Monitor \\<script\\>alert(\"x\")\\</script\\> \\| # 'q' \\u{202e}evil␛\\[31m"
        )
    );
    assert!(text.contains("=cmd \\| \\<b\\>bold\\</b\\><br>\\# heading<br>\\- item"));

    // Heat map table: the dashboard's counts with the level named in each cell.
    for l in (1..=5u8).rev() {
        let label = format!("| **{l} {}** |", medsec::risk::scale_label(l));
        let line = lines
            .iter()
            .find(|x| x.starts_with(&label))
            .ok_or("no heat map row")?;
        let cells: Vec<&str> = line.split(" | ").skip(1).collect();
        for i in 1..=5u8 {
            let want = format!(
                "{} · {}",
                dash.heat_at(l, i),
                wb.risk_grid().level(l, i).label()
            );
            assert!(cells[usize::from(i - 1)].starts_with(&want), "{line}");
        }
    }

    // Top ten and remediation plan: same risks, same order as the dashboard and register.
    let section = |title: &str| -> Vec<String> {
        let start = text.find(title).unwrap_or(text.len());
        text[start..]
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .skip(2)
            .map(str::to_string)
            .collect()
    };
    let top = section("## 4 Top ten open risks");
    let ids: Vec<String> = dash.top.iter().map(risk_id).collect();
    assert_eq!(top.len(), 10);
    for (row, id) in top.iter().zip(&ids) {
        assert!(row.contains(&format!("| {id} |")), "{row} / {id}");
    }
    let plan = section("## 6 Remediation plan");
    assert_eq!(plan.len(), dash.open);
    assert_eq!(
        plan.iter().filter(|r| r.contains("**overdue**")).count(),
        dash.overdue
    );
    assert!(text.contains(&format!("There are {} open risks", dash.open)));
    assert!(text.contains("2000-01-02 **expired**"));
    assert!(text.contains("**Yes without evidence reference** (1): INV-01"));
    Ok(())
}

#[test]
fn an_edited_grid_is_named_and_coloured_as_edited() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = fixture(dir.path())?;
    let mut grid = RiskGrid::default();
    grid.set(5, 3, RiskLevel::VeryHigh);
    wb.set_risk_grid(grid)?;
    let out = dir.path().join("r.html");
    export_report(&wb, &out, ReportFormat::Html, &opts())?;
    let doc = Html::parse_document(&std::fs::read_to_string(&out)?);
    assert!(text_of(rows(&doc, "header.cover")?[0]).contains(RISK_MODEL_EDITED));
    let cell = rows(&doc, "g.cell[data-l=\"5\"][data-i=\"3\"]")?;
    assert_eq!(attr(cell[0], "data-level"), "Very High");
    Ok(())
}

#[test]
fn as_of_decides_what_is_overdue_and_expired() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wb = fixture(dir.path())?;
    let before = Report::build(&wb, day("1999-12-31")?, "t")?;
    assert_eq!((before.dashboard.overdue, before.expired), (0, 0));
    let later = today().checked_add_days(Days::new(10_000)).ok_or("date")?;
    let after = Report::build(&wb, later, "t")?;
    // Every open risk with a due date is overdue by then (Very Low ones have none).
    let with_due = after
        .open_risks()
        .filter(|f| f.due_date().is_some())
        .count();
    assert_eq!(after.dashboard.overdue, with_due);
    assert_eq!(after.expired, 1);
    Ok(())
}

#[test]
fn refuses_to_replace_anything_but_an_earlier_report() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wb = fixture(dir.path())?;
    let leftovers = |d: &Path| -> Result<Vec<String>, Box<dyn Error>> {
        Ok(std::fs::read_dir(d)?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".medsec-"))
            .collect())
    };

    // An unrelated file is left alone.
    let precious = dir.path().join("notes.html");
    std::fs::write(&precious, "<!DOCTYPE html><p>my notes</p>")?;
    let err = export_report(&wb, &precious, ReportFormat::Html, &opts());
    assert!(
        matches!(&err, Err(ReportError::Output { reason, .. }) if reason.contains("not a medsec HTML report")),
        "{err:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&precious)?,
        "<!DOCTYPE html><p>my notes</p>"
    );
    let md = dir.path().join("notes.md");
    std::fs::write(&md, "# my notes\n")?;
    assert!(export_report(&wb, &md, ReportFormat::Markdown, &opts()).is_err());
    assert_eq!(std::fs::read_to_string(&md)?, "# my notes\n");

    // The workbook itself, a wrong extension, a folder, a missing folder.
    for (out, format, why) in [
        (dir.path().join("w.medsec"), ReportFormat::Html, ".html"),
        (dir.path().join("r.txt"), ReportFormat::Markdown, ".md"),
        (dir.path().join("r.md"), ReportFormat::Html, ".html"),
        (dir.path().to_path_buf(), ReportFormat::Html, "folder"),
        (
            dir.path().join("no/such/r.html"),
            ReportFormat::Html,
            "does not exist",
        ),
    ] {
        let err = export_report(&wb, &out, format, &opts());
        assert!(
            matches!(&err, Err(ReportError::Output { reason, .. }) if reason.contains(why)),
            "{out:?}: {err:?}"
        );
    }

    // An earlier report is replaced, by the same format only.
    let html = dir.path().join("r.HTML");
    export_report(&wb, &html, ReportFormat::Html, &opts())?;
    export_report(&wb, &html, ReportFormat::Html, &opts())?;
    let markdown = dir.path().join("r.md");
    export_report(&wb, &markdown, ReportFormat::Markdown, &opts())?;
    export_report(&wb, &markdown, ReportFormat::Markdown, &opts())?;
    std::fs::copy(&markdown, dir.path().join("copy.html"))?;
    assert!(
        export_report(
            &wb,
            &dir.path().join("copy.html"),
            ReportFormat::Html,
            &opts()
        )
        .is_err()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&html)?.permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the report is owner-only");
    }
    assert!(leftovers(dir.path())?.is_empty());
    Ok(())
}

#[test]
fn cli_writes_both_reports_and_warns_that_they_are_not_encrypted() -> TestResult {
    let dir = tempfile::tempdir()?;
    drop(fixture(dir.path())?);
    let pass = dir.path().join("pass");
    std::fs::write(&pass, format!("{PASS}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600))?;
    }
    let wb = dir.path().join("w.medsec");
    for (kind, name) in [("html", "out.html"), ("markdown", "out.md")] {
        let out = dir.path().join(name);
        let run = Command::cargo_bin("medsec")?
            .env("MEDSEC_PASSPHRASE_FILE", &pass)
            .env("HOME", dir.path())
            .args(["-w"])
            .arg(&wb)
            .args(["export", kind])
            .arg(&out)
            .args(["--as-of", "2030-01-31"])
            .output()?;
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "{stdout} {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            stdout.contains("wrote") && stdout.contains("as of 2030-01-31"),
            "{stdout}"
        );
        // The warning speaks of a report, not of the xlsx export's sheet protection.
        assert!(stdout.contains("This report is NOT encrypted"), "{stdout}");
        assert!(!stdout.contains("sheet protection"), "{stdout}");
        assert!(std::fs::read_to_string(&out)?.contains("2030-01-31"));
    }
    // A bad date is a usage error; an unrelated file is one error line, exit 1.
    let run = Command::cargo_bin("medsec")?
        .env("MEDSEC_PASSPHRASE_FILE", &pass)
        .env("HOME", dir.path())
        .arg("-w")
        .arg(&wb)
        .args(["export", "html"])
        .arg(dir.path().join("x.html"))
        .args(["--as-of", "soon"])
        .output()?;
    assert_eq!(run.status.code(), Some(2));
    std::fs::write(dir.path().join("mine.html"), "mine")?;
    let run = Command::cargo_bin("medsec")?
        .env("MEDSEC_PASSPHRASE_FILE", &pass)
        .env("HOME", dir.path())
        .arg("-w")
        .arg(&wb)
        .args(["export", "html"])
        .arg(dir.path().join("mine.html"))
        .output()?;
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("mine.html") && stderr.contains("not a medsec HTML report"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mine.html"))?,
        "mine"
    );
    Ok(())
}

/// The classes that stop text from wrapping; text that can be long must never sit inside one.
const NO_WRAP: [&str; 3] = ["nowrap", "st", "id"];

#[test]
fn long_unbroken_owners_wrap_inside_fixed_width_risk_tables() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = fixture(dir.path())?;
    let long = "x".repeat(300);
    let mail = "clinical.engineering.on-call@hospital.example.org";
    let report = Report::build(&wb, today(), "t")?;
    let top: Vec<(Target, String)> = report
        .dashboard
        .top
        .iter()
        .take(2)
        .map(|f| (f.target.clone(), f.control.id.clone()))
        .collect();
    let accepted: Vec<(Target, String)> = report
        .accepted_risks()
        .map(|f| (f.target.clone(), f.control.id.clone()))
        .collect();
    assert_eq!((top.len(), accepted.len()), (2, 2));
    for ((target, control), owner) in top.iter().zip([long.as_str(), mail]) {
        let input = RiskEntryInput {
            owner: Some(owner.into()),
            ..RiskEntryInput::default()
        };
        wb.set_risk_entry(target, control, &input)?;
    }
    let (target, control) = &accepted[0];
    let input = RiskEntryInput {
        accepted_by: Some(long.clone()),
        acceptance_note: Some(mail.into()),
        ..RiskEntryInput::default()
    };
    wb.set_risk_entry(target, control, &input)?;
    let out = dir.path().join("r.html");
    export_report(&wb, &out, ReportFormat::Html, &opts())?;
    let doc = Html::parse_document(&std::fs::read_to_string(&out)?);

    // The stylesheet fixes the layout of those tables and lets any cell text break anywhere.
    let css: String = rows(&doc, "style")?.into_iter().map(text_of).collect();
    assert!(css.contains("table.fixed{table-layout:fixed}"), "{css}");
    assert!(css.contains("table.fixed td,table.fixed th{overflow-wrap:anywhere}"));
    // Every risk table is fixed, with one <col> per header cell and exactly one column
    // (without a width class) taking the room left.
    for class in ["top", "findings", "remediation", "accepted"] {
        let tables = rows(&doc, &format!("table.{class}"))?;
        assert!(!tables.is_empty(), "no table.{class}");
        for table in tables {
            assert!(
                table
                    .value()
                    .has_class("fixed", scraper::CaseSensitivity::CaseSensitive)
            );
            let cols: Vec<ElementRef<'_>> = table.select(&sel("colgroup > col")?).collect();
            let heads = table.select(&sel("thead th")?).count();
            assert_eq!(cols.len(), heads, "table.{class}");
            let flexible = cols
                .iter()
                .filter(|c| attr(**c, "class").is_empty())
                .count();
            assert_eq!(flexible, 1, "table.{class}");
        }
    }

    // The long owner and the e-mail address are shown whole, in the top ten, the device
    // findings and the remediation plan (and the accepted risks), each time in a cell of a
    // fixed table with nothing around it that forbids wrapping.
    for text in [long.as_str(), mail] {
        let mut seen = std::collections::BTreeSet::new();
        for node in doc.root_element().descendants() {
            let Some(t) = node.value().as_text() else {
                continue;
            };
            if !t.contains(text) {
                continue;
            }
            let mut table = None;
            for up in node.ancestors().filter_map(ElementRef::wrap) {
                let classes: Vec<&str> = up.value().classes().collect();
                assert!(
                    !classes.iter().any(|c| NO_WRAP.contains(c)),
                    "{text:.20}… inside a <{} class={classes:?}>",
                    up.value().name()
                );
                if up.value().name() == "table" {
                    table = Some(up);
                    break;
                }
            }
            let table = table.ok_or("owner text outside a table")?;
            assert!(
                table
                    .value()
                    .has_class("fixed", scraper::CaseSensitivity::CaseSensitive)
            );
            seen.extend(table.value().classes().filter(|c| *c != "fixed"));
        }
        let want: &[&str] = &["accepted", "findings", "remediation", "top"];
        let seen: Vec<&str> = seen.into_iter().collect();
        assert_eq!(seen, want, "{text:.20}…");
    }
    Ok(())
}
