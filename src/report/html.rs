//! The report as one self-contained HTML5 file: inline CSS and SVG, system fonts only, no
//! script and nothing to fetch; a print stylesheet for A4 and Letter (page breaks before each
//! major section and each device, repeated table headers, colours kept).
//!
//! Every text that comes from the workbook goes through [`escape::html`] or
//! [`escape::html_lines`]; the only raw strings written are this module's own markup.

use std::fmt::{self, Write};

use super::escape::{html as e, html_lines as lines};
use super::model::{
    AUDIT_NOT_RECORDED, MARKING, Report, date_text, due_basis, percent, rating_text, risk_id,
    where_text,
};
use super::{GENERATOR, count, svg};
use crate::assessment::Origin;
use crate::risk::register::Finding;
use crate::risk::{IMPACT_ANCHORS, LIKELIHOOD_ANCHORS, RiskLevel, scale_label};

/// Renders the whole report.
///
/// Errors: only `fmt::Error` from writing into a `String`, which does not happen.
pub fn render(r: &Report) -> Result<String, fmt::Error> {
    let mut o = String::with_capacity(64 * 1024 + r.findings.len() * 1024);
    let title = if r.meta.title.trim().is_empty() {
        "Medical device security risk assessment".to_string()
    } else {
        r.meta.title.clone()
    };
    write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{GENERATOR} (medsec {v})\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n<title>{t}</title>\n<style>\n{css}</style>\n</head>\n<body>\n",
        v = e(r.app_version),
        t = e(&title),
        css = stylesheet(),
    )?;
    cover(&mut o, r, &title)?;
    summary(&mut o, r)?;
    picture(&mut o, r)?;
    top_ten(&mut o, r)?;
    devices(&mut o, r)?;
    remediation(&mut o, r)?;
    method(&mut o, r)?;
    appendix(&mut o, r)?;
    o.push_str("</body>\n</html>\n");
    Ok(o)
}

fn stylesheet() -> String {
    let mut css = String::from(
        r#"*{-webkit-print-color-adjust:exact;print-color-adjust:exact;box-sizing:border-box}
html{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;font-size:10.5pt;line-height:1.4;color:#1a1a1a;background:#fff;max-width:64rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.9em;margin:.2em 0 .4em}h2{font-size:1.45em;margin:1.2em 0 .5em;border-bottom:2px solid #1f3b5c;padding-bottom:.15em;color:#1f3b5c}
h3{font-size:1.15em;margin:1em 0 .4em;color:#1f3b5c}h2,h3,h4{break-after:avoid;page-break-after:avoid}
p{margin:.35em 0 .6em}ul{margin:.3em 0 .7em}
table{border-collapse:collapse;width:100%;margin:.4em 0 1em;font-size:.93em}
th,td{border:1px solid #b9c0c8;padding:.25em .4em;vertical-align:top;text-align:left;overflow-wrap:break-word}
td.text{overflow-wrap:anywhere}td.st,th.st{white-space:nowrap}
tr.group th{background:#d5dee9;text-align:left}
th{background:#e8edf3;font-weight:600}thead{display:table-header-group}
tr,.keep,svg,figure{break-inside:avoid;page-break-inside:avoid}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap{white-space:nowrap}.muted{color:#5a6470}.small{font-size:.88em}
.lv{display:inline-block;padding:0 .35em;border-radius:3px;border:1px solid rgba(0,0,0,.3);white-space:nowrap;font-weight:600}
.flag{font-weight:700;color:#a00000}
.page{break-before:page;page-break-before:always}
#devices+.device{break-before:auto;page-break-before:auto}
.cover{display:flex;flex-direction:column;justify-content:space-between}
.cover dl{display:grid;grid-template-columns:13rem 1fr;gap:.25em 1em;margin:1.2em 0}
.cover dt{font-weight:600;color:#1f3b5c}.cover dd{margin:0}
.marking{border:2px solid #c00000;color:#7a0000;padding:.5em .8em;font-weight:700;margin:1em 0}
.kicker{text-transform:uppercase;letter-spacing:.08em;color:#5a6470;font-weight:600}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(10.5rem,1fr));gap:.5em;margin:.8em 0 1.2em}
.fact{border:1px solid #b9c0c8;border-radius:4px;padding:.4em .6em}.fact b{display:block;font-size:1.5em}
.identity{display:grid;grid-template-columns:11rem 1fr 11rem 1fr;gap:.15em .8em;margin:.3em 0 .8em}
.identity dt{font-weight:600;color:#1f3b5c}.identity dd{margin:0;overflow-wrap:anywhere}
svg.chart{max-width:100%;height:auto;display:block;margin:.5em 0 1em}svg.heat{max-width:44rem}
svg text{font-family:inherit}svg .count{font-size:17px;font-weight:700}svg .abbr{font-size:11px;font-weight:600}
svg .scale{font-size:12px;fill:#1a1a1a}svg .axis{font-size:12px;font-weight:700;fill:#1f3b5c}
nav ol{columns:2;margin:.4em 0}
@page{margin:16mm 14mm}
@media print{body{max-width:none;padding:0;font-size:9.5pt}a{color:inherit;text-decoration:none}.cover{min-height:232mm}}
"#,
    );
    for level in RiskLevel::ALL {
        let (fill, ink) = level.colours();
        let _ = writeln!(
            css,
            ".lv-{}{{background:{};color:{}}}",
            level.abbreviation().to_lowercase(),
            svg::hex(fill),
            svg::hex(ink)
        );
    }
    css
}

/// A level badge: colour and the level's name.
fn badge(level: Option<RiskLevel>) -> String {
    match level {
        Some(l) => format!(
            r#"<span class="lv lv-{}">{}</span>"#,
            l.abbreviation().to_lowercase(),
            l.label()
        ),
        None => r#"<span class="muted">not rated</span>"#.to_string(),
    }
}

fn cover(o: &mut String, r: &Report, title: &str) -> fmt::Result {
    let m = &r.meta;
    write!(
        o,
        r#"<header class="cover" id="cover"><div><p class="kicker">Medical device security risk assessment</p><h1>{t}</h1><p class="small">{org}</p>"#,
        t = e(title),
        org = e(&m.organisation)
    )?;
    o.push_str("<dl>");
    let rows: [(&str, String); 12] = [
        ("Organisation", e(&m.organisation)),
        ("Site(s)", e(&r.sites_text())),
        ("Assessment ID", e(&m.workbook_id)),
        ("Assessor(s)", e(&m.assessor)),
        ("Start date", e(m.start_date.as_deref().unwrap_or("–"))),
        ("End date", e(m.end_date.as_deref().unwrap_or("–"))),
        ("As of", r.as_of.to_string()),
        ("Devices", r.devices.len().to_string()),
        ("Catalog version", e(&r.catalog.version)),
        ("Risk model", e(r.risk_model())),
        (
            "Generated",
            format!("{} by medsec {}", e(&r.generated_at), e(r.app_version)),
        ),
        ("Audit trail head", AUDIT_NOT_RECORDED.to_string()),
    ];
    for (k, v) in rows {
        let v = if v.is_empty() { "–".to_string() } else { v };
        write!(o, "<dt>{k}</dt><dd>{v}</dd>")?;
    }
    o.push_str("</dl></div><div>");
    write!(o, r#"<p class="marking">{MARKING}</p>"#)?;
    o.push_str(
        r##"<nav><p class="kicker">Contents</p><ol><li><a href="#summary">Executive summary</a></li><li><a href="#heat">Heat map of open risks</a></li><li><a href="#steps">Results per step</a></li><li><a href="#top">Top ten open risks</a></li><li><a href="#devices">Findings by device</a></li><li><a href="#plan">Remediation plan</a></li><li><a href="#method">Scope and method</a></li><li><a href="#catalog">Appendix: control catalog</a></li></ol></nav></div></header>
"##,
    );
    Ok(())
}

fn summary(o: &mut String, r: &Report) -> fmt::Result {
    let d = &r.dashboard;
    o.push_str(r#"<section class="page" id="summary"><h2>1 Executive summary</h2>"#);
    o.push_str(r#"<div class="facts">"#);
    let facts = [
        (
            "devices assessed",
            format!("{} of {}", r.devices_started(), r.devices.len()),
        ),
        ("progress", percent(progress_fraction(r))),
        ("compliance", percent(r.total.compliance_ratio())),
        ("open risks", d.open.to_string()),
        ("overdue", d.overdue.to_string()),
        ("expired acceptances", r.expired.to_string()),
        (
            "uncontrolled patient-safety risks",
            r.uncontrolled_safety.to_string(),
        ),
    ];
    for (label, value) in facts {
        write!(o, r#"<div class="fact"><b>{value}</b>{label}</div>"#)?;
    }
    o.push_str("</div><ul>");
    for sentence in super::sentences(r) {
        write!(o, "<li>{}</li>", e(&sentence))?;
    }
    o.push_str("</ul>");
    o.push_str(r#"<table class="levels"><thead><tr><th>Level</th><th class="num">Open risks</th><th>Default due</th></tr></thead><tbody>"#);
    for level in RiskLevel::ALL {
        write!(
            o,
            r#"<tr data-level="{l}"><td>{b}</td><td class="num">{n}</td><td>{due}</td></tr>"#,
            l = level.label(),
            b = badge(Some(level)),
            n = d.at_level(level),
            due = level
                .default_due_days()
                .map_or_else(|| "none".to_string(), |n| format!("{n} days")),
        )?;
    }
    if d.unrated > 0 {
        write!(
            o,
            r#"<tr><td class="muted">not rated</td><td class="num">{}</td><td>–</td></tr>"#,
            d.unrated
        )?;
    }
    o.push_str("</tbody></table></section>\n");
    Ok(())
}

/// Share of the applicable controls assessed (0–1), `None` when nothing applies.
pub fn progress_fraction(r: &Report) -> Option<f64> {
    (r.total.applicable > 0).then(|| r.total.assessed() as f64 / r.total.applicable as f64)
}

fn picture(o: &mut String, r: &Report) -> fmt::Result {
    o.push_str(r#"<section class="page" id="heat"><h2>2 Heat map of open risks</h2>"#);
    write!(
        o,
        "<p>Each open risk (status Open or In Progress) is counted once in the cell of its inherent \
         likelihood and impact; a model or site finding counts once however many devices it covers. \
         The colour is the level in this workbook's grid and the abbreviation in each cell names it.{}</p>",
        if r.dashboard.unrated > 0 {
            format!(
                " {} not yet rated {} not in the map.",
                count(r.dashboard.unrated, "open risk", "open risks"),
                if r.dashboard.unrated == 1 {
                    "is"
                } else {
                    "are"
                }
            )
        } else {
            String::new()
        }
    )?;
    svg::heat_map(o, r)?;
    o.push_str("</section>\n");
    o.push_str(r#"<section class="page" id="steps"><h2>3 Results per step</h2><p>Bars show each step's responses as a share of the applicable controls (a model or site answer counts once). Compliance = (Yes + ½ Partial) ÷ (Yes + Partial + No); coverage = (assessed − Unknown) ÷ applicable.</p>"#);
    svg::step_bars(o, r)?;
    o.push_str(r#"<table class="steps"><thead><tr><th>Step</th><th class="num">Applicable</th><th class="num">Yes</th><th class="num">Partial</th><th class="num">No</th><th class="num">N/A</th><th class="num">Unknown</th><th class="num">Not assessed</th><th class="num">Compliance</th><th class="num">Coverage</th></tr></thead><tbody>"#);
    let rows = r
        .catalog
        .steps
        .iter()
        .map(|s| format!("{} {}", s.number, s.name))
        .zip(r.steps.iter())
        .chain(std::iter::once(("All steps".to_string(), &r.total)));
    for (name, p) in rows {
        write!(
            o,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            e(&name),
            p.applicable,
            p.yes,
            p.partial,
            p.no,
            p.na,
            p.unknown,
            p.not_assessed(),
            percent(p.compliance_ratio()),
            percent(p.coverage()),
        )?;
    }
    o.push_str("</tbody></table></section>\n");
    Ok(())
}

fn control_text(f: &Finding<'_>) -> String {
    format!("{} {}", e(&f.control.id), e(&f.control.title))
}

fn due_cell(f: &Finding<'_>, r: &Report) -> String {
    let due = date_text(f.due_date());
    if f.is_overdue(r.as_of) {
        format!(r#"<span class="nowrap">{due}</span> <span class="flag">overdue</span>"#)
    } else {
        format!(r#"<span class="nowrap">{due}</span>"#)
    }
}

fn residual(f: &Finding<'_>) -> String {
    match f.residual_level() {
        Some(l) => format!(
            "{} <span class=\"small\">{}</span>",
            badge(Some(l)),
            rating_text(f.entry.residual_likelihood, f.entry.residual_impact)
        ),
        None => "–".to_string(),
    }
}

/// The residual rating under the inherent one, when set.
fn residual_line(f: &Finding<'_>) -> String {
    if f.residual_level().is_some() {
        format!("<br><span class=\"small\">Residual:</span> {}", residual(f))
    } else {
        String::new()
    }
}

fn top_ten(o: &mut String, r: &Report) -> fmt::Result {
    o.push_str(r#"<section class="page" id="top"><h2>4 Top ten open risks</h2>"#);
    if r.dashboard.top.is_empty() {
        o.push_str("<p>There are no open risks.</p></section>\n");
        return Ok(());
    }
    o.push_str("<p>Open risks ranked by score (likelihood × impact), then patient-safety impact, then device.</p>");
    o.push_str(r#"<table class="top"><thead><tr><th class="num">#</th><th class="st">Risk ID</th><th>Device</th><th>Control</th><th>Level (L × I)</th><th>Owner</th><th class="st">Due</th><th class="st">Status</th></tr></thead><tbody>"#);
    for (n, f) in r.dashboard.top.iter().enumerate() {
        write!(
            o,
            r#"<tr data-risk="{id}"><td class="num">{rank}</td><td class="st">{id}</td><td>{dev}</td><td>{ctl}{flag}</td><td>{lv}<br><span class="small nowrap">{rating}</span>{res}</td><td>{owner}</td><td class="st">{due}</td><td class="st">{status}</td></tr>"#,
            id = e(&risk_id(f)),
            rank = n + 1,
            dev = e(&where_text(f)),
            ctl = control_text(f),
            flag = safety_flag(f),
            lv = badge(f.level()),
            rating = rating_text(f.likelihood, f.impact),
            res = residual_line(f),
            owner = or_dash(&e(&f.entry.owner)),
            due = due_cell(f, r),
            status = f.entry.status.label(),
        )?;
    }
    o.push_str("</tbody></table></section>\n");
    Ok(())
}

fn safety_flag(f: &Finding<'_>) -> &'static str {
    if f.is_uncontrolled_safety() {
        r#"<br><span class="flag">Uncontrolled patient-safety risk</span>"#
    } else {
        ""
    }
}

fn or_dash(text: &str) -> String {
    if text.trim().is_empty() {
        "–".to_string()
    } else {
        text.to_string()
    }
}

fn devices(o: &mut String, r: &Report) -> fmt::Result {
    writeln!(
        o,
        r#"<section class="page" id="devices"><h2>5 Findings by device</h2><p>One section per device ({n}), each starting on a new page: its identity, then every finding shown on it — its own and those of its model and site — in risk order, with the assessor's note and recommendation and the register's owner, due date and status.</p></section>"#,
        n = r.devices.len()
    )?;
    for (i, dev) in r.devices.iter().enumerate() {
        device(o, r, i, dev)?;
    }
    if !r.unattached.is_empty() {
        o.push_str(r#"<section class="page device" id="unattached"><h3>Model and site findings on no device</h3><p>These findings belong to a model or site whose devices were all deleted or answer for themselves.</p>"#);
        findings_table(o, r, r.unattached.iter().copied())?;
        o.push_str("</section>\n");
    }
    Ok(())
}

fn device(o: &mut String, r: &Report, i: usize, dev: &crate::device::Device) -> fmt::Result {
    let p = r.device_progress.get(i);
    let name = dev.get("name");
    write!(
        o,
        r#"<section class="page device" id="{id}" data-device="{sid}"><h3>{sid}{sep}{name}</h3><dl class="identity">"#,
        id = dev.short_id().to_lowercase(),
        sid = dev.short_id(),
        sep = if name.is_empty() { "" } else { " · " },
        name = e(name),
    )?;
    let make = [dev.get("manufacturer"), dev.get("model")]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" / ");
    let fields = [
        ("Manufacturer / model", make),
        ("Location", dev.location()),
        ("IP address(es)", dev.get("ip_addresses").to_string()),
        ("Asset tag", dev.get("asset_tag").to_string()),
        ("Category", dev.get("category").to_string()),
        ("Criticality", dev.get("criticality").to_string()),
        (
            "Assessed",
            p.map_or_else(String::new, |p| {
                format!("{}% of controls", p.total.percent())
            }),
        ),
        (
            "Compliance",
            percent(p.and_then(|p| p.total.compliance_ratio())),
        ),
    ];
    for (k, v) in fields {
        write!(o, "<dt>{k}</dt><dd>{}</dd>", or_dash(&e(&v)))?;
    }
    write!(
        o,
        "<dt>Highest open risk</dt><dd>{}</dd></dl>",
        p.and_then(|p| p.highest_risk)
            .map_or_else(|| "none".to_string(), |l| badge(Some(l)))
    )?;
    match r.by_device.get(i) {
        Some(list) if !list.is_empty() => findings_table(o, r, list.iter().copied())?,
        _ => o.push_str("<p>No findings (no No, Partial or Unknown answer) on this device.</p>"),
    }
    if let Some(list) = r.unevidenced.get(i).filter(|l| !l.is_empty()) {
        write!(
            o,
            r#"<p class="yes-no-evidence"><span class="flag">Yes without evidence reference</span> ({n}): "#,
            n = list.len()
        )?;
        let items: Vec<String> = list
            .iter()
            .map(|u| {
                let from = match u.origin {
                    Origin::Model => " (model answer)",
                    Origin::Site => " (site answer)",
                    Origin::Device | Origin::DeviceOverride => "",
                };
                format!("{} {}{from}", e(&u.control.id), e(&u.control.title))
            })
            .collect();
        write!(o, "{}.</p>", items.join("; "))?;
    }
    o.push_str("</section>\n");
    Ok(())
}

fn findings_table(o: &mut String, r: &Report, list: impl Iterator<Item = usize>) -> fmt::Result {
    o.push_str(r#"<table class="findings"><thead><tr><th>Control</th><th class="st">Response</th><th>Level (L × I)</th><th>Note and recommendation</th><th>Owner · due · status</th></tr></thead><tbody>"#);
    for n in list {
        let Some(f) = r.findings.get(n) else { continue };
        let scope = match f.scope() {
            crate::catalog::Scope::Device => String::new(),
            _ => format!(
                r#"<br><span class="small muted">{}</span>"#,
                e(&where_text(f))
            ),
        };
        let mut text = Vec::new();
        if !f.answer.note.trim().is_empty() {
            text.push(lines(&f.answer.note));
        }
        if !f.answer.observed.trim().is_empty() {
            text.push(format!("<b>Observed:</b> {}", lines(&f.answer.observed)));
        }
        if !f.answer.recommendation.trim().is_empty() {
            text.push(format!(
                "<b>Recommendation:</b> {}",
                lines(&f.answer.recommendation)
            ));
        }
        if !f.entry.planned_actions.trim().is_empty() {
            text.push(format!(
                "<b>Planned actions:</b> {}",
                lines(&f.entry.planned_actions)
            ));
        }
        write!(
            o,
            r#"<tr data-risk="{id}"><td><span class="small muted">{id}</span><br>{ctl}{scope}</td><td class="st">{resp}</td><td>{lv}<br><span class="small nowrap">{rating}</span>{res}{flag}</td><td class="text">{text}</td><td>{owner}<br>{due}<br>{status}{treat}</td></tr>"#,
            id = e(&risk_id(f)),
            ctl = control_text(f),
            resp = f.response.label(),
            lv = badge(f.level()),
            rating = rating_text(f.likelihood, f.impact),
            res = residual_line(f),
            flag = safety_flag(f),
            text = if text.is_empty() {
                "–".to_string()
            } else {
                text.join("<br>")
            },
            owner = or_dash(&e(&f.entry.owner)),
            due = due_cell(f, r),
            status = f.entry.status.label(),
            treat = f
                .entry
                .treatment
                .map_or_else(String::new, |t| format!(" · {}", t.label())),
        )?;
    }
    o.push_str("</tbody></table>");
    Ok(())
}

fn remediation(o: &mut String, r: &Report) -> fmt::Result {
    let open = r.open_risks().count();
    write!(
        o,
        r#"<section class="page" id="plan"><h2>6 Remediation plan</h2><p>Every open risk ({open}), highest first. Due dates follow the level unless set by hand (14, 30, 90 and 180 days from identification for Very High, High, Moderate and Low); past-due items are marked <span class="flag">overdue</span> as of {as_of}.</p>"#,
        as_of = r.as_of
    )?;
    if open == 0 {
        o.push_str("<p>There are no open risks.</p>");
    } else {
        o.push_str(r#"<table class="remediation"><thead><tr><th class="st">Risk ID</th><th>Risk</th><th>Device</th><th>Level</th><th>Treatment</th><th>Planned actions</th><th>Owner</th><th class="st">Due</th><th class="st">Status</th></tr></thead><tbody>"#);
        for f in r.open_risks() {
            write!(
                o,
                r#"<tr data-risk="{id}"><td class="st">{id}</td><td>{ctl} <span class="small muted">({resp})</span>{flag}</td><td>{dev}</td><td>{lv}</td><td>{treat}</td><td class="text">{actions}</td><td>{owner}</td><td class="st">{due}</td><td class="st">{status}</td></tr>"#,
                id = e(&risk_id(f)),
                ctl = control_text(f),
                resp = f.response.label(),
                flag = safety_flag(f),
                dev = e(&where_text(f)),
                lv = badge(f.level()),
                treat = f.entry.treatment.map_or("–", |t| t.label()),
                actions = or_dash(&lines(&f.entry.planned_actions)),
                owner = or_dash(&e(&f.entry.owner)),
                due = due_cell(f, r),
                status = f.entry.status.label(),
            )?;
        }
        o.push_str("</tbody></table>");
    }
    let accepted: Vec<&Finding<'_>> = r.accepted_risks().collect();
    o.push_str(r#"<h3 id="accepted">Accepted risks</h3>"#);
    if accepted.is_empty() {
        o.push_str("<p>No risk has been accepted.</p>");
    } else {
        o.push_str(r#"<p>Risks the organisation chose to live with, with who accepted them and when they must be reviewed; a review date before the as-of date is marked <span class="flag">expired</span>.</p><table class="accepted"><thead><tr><th class="st">Risk ID</th><th>Risk</th><th>Device</th><th>Level</th><th>Residual</th><th>Accepted by</th><th class="st">Accepted on</th><th>Acceptance note</th><th class="st">Review date</th><th class="st">Status</th></tr></thead><tbody>"#);
        for f in accepted {
            let review = date_text(f.entry.review_date);
            let review = if f.is_expired(r.as_of) {
                format!(r#"<span class="nowrap">{review}</span> <span class="flag">expired</span>"#)
            } else {
                format!(r#"<span class="nowrap">{review}</span>"#)
            };
            write!(
                o,
                r#"<tr data-risk="{id}"><td class="st">{id}</td><td>{ctl}</td><td>{dev}</td><td>{lv}</td><td>{res}</td><td>{by}</td><td class="st">{on}</td><td class="text">{note}</td><td class="st">{review}</td><td class="st">{status}</td></tr>"#,
                id = e(&risk_id(f)),
                ctl = control_text(f),
                dev = e(&where_text(f)),
                lv = badge(f.level()),
                res = residual(f),
                by = or_dash(&e(&f.entry.accepted_by)),
                on = date_text(f.entry.accepted_on),
                note = or_dash(&lines(&f.entry.acceptance_note)),
                status = f.entry.status.label(),
            )?;
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</section>\n");
    Ok(())
}

fn method(o: &mut String, r: &Report) -> fmt::Result {
    o.push_str(r#"<section class="page" id="method"><h2>7 Scope and method</h2>"#);
    if !r.meta.scope.trim().is_empty() {
        write!(o, "<p><b>Scope:</b> {}</p>", lines(&r.meta.scope))?;
    }
    write!(
        o,
        "<p>{n} devices were assessed against the medsec control catalog version {v} ({c} controls in 8 steps; the catalog is in the appendix). Each control is answered Yes, Partial, No, N/A or Unknown; a control answered for a whole model or site is asked once and counted once. Every No, Partial or Unknown answer is a finding with a risk rating and an entry in the risk register; unconfirmed suggestions (from an MDS2 or a bulk copy) are not counted.</p>",
        n = r.devices.len(),
        v = e(&r.catalog.version),
        c = r.catalog.controls().count(),
    )?;
    write!(
        o,
        "<p><b>Risk model:</b> {}. Likelihood (L) and impact (I) are rated 1–5; impact is the highest of patient safety, PHI / data and clinical operations, defaulted from the device's criticality, PHI flags and clinical impact until the assessor rates it. The level is looked up in the grid below; the score L × I (1–25) is used only for sorting. An <b>open risk</b> has status Open or In Progress.</p>",
        e(r.risk_model())
    )?;
    o.push_str(
        r#"<h3>Level grid</h3><table class="grid"><thead><tr><th>Likelihood ↓ / Impact →</th>"#,
    );
    for i in 1..=5u8 {
        write!(o, "<th>{i} {}</th>", scale_label(i))?;
    }
    o.push_str("</tr></thead><tbody>");
    for l in (1..=5u8).rev() {
        write!(o, "<tr><th>{l} {}</th>", scale_label(l))?;
        for i in 1..=5u8 {
            write!(o, "<td>{}</td>", badge(Some(r.grid.level(l, i))))?;
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
    o.push_str(r#"<h3>Likelihood scale</h3><table class="scale"><thead><tr><th>L</th><th>Level</th><th>Anchor for a medical device finding</th></tr></thead><tbody>"#);
    for (l, anchor) in LIKELIHOOD_ANCHORS {
        write!(
            o,
            "<tr><td class=\"num\">{l}</td><td class=\"st\">{}</td><td>{anchor}</td></tr>",
            scale_label(l)
        )?;
    }
    o.push_str(r#"</tbody></table><h3>Impact scale</h3><table class="scale"><thead><tr><th>I</th><th>Level</th><th>Patient safety</th><th>PHI / data</th><th>Clinical operations</th></tr></thead><tbody>"#);
    for (i, safety, phi, ops) in IMPACT_ANCHORS {
        write!(
            o,
            "<tr><td class=\"num\">{i}</td><td class=\"st\">{}</td><td>{safety}</td><td>{phi}</td><td>{ops}</td></tr>",
            scale_label(i)
        )?;
    }
    o.push_str(r#"</tbody></table><h3>Default due dates</h3><table class="due"><thead><tr><th>Level</th><th>Default due</th><th>Basis</th></tr></thead><tbody>"#);
    for level in RiskLevel::ALL {
        write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            badge(Some(level)),
            level
                .default_due_days()
                .map_or_else(|| "none".to_string(), |n| format!("{n} days")),
            due_basis(level)
        )?;
    }
    o.push_str("</tbody></table>");
    o.push_str("<p>Due dates count from the date a finding was first identified and can be set by hand per risk.</p>");
    o.push_str("<h3>Uncontrolled patient-safety risk</h3><p>A risk is flagged as an <b>uncontrolled patient-safety risk</b> when its patient-safety impact is 4 (Critical) or 5 (Catastrophic) and it is not controlled — it is still open and has no residual rating of Low or Very Low — whatever its level (FDA postmarket cybersecurity framing).</p>");
    o.push_str("<h3>Yes without evidence</h3><p>A Yes answer should name its evidence (photo, ticket, document). Yes answers without an evidence reference are accepted but listed under each device as <span class=\"flag\">Yes without evidence reference</span>.</p></section>\n");
    Ok(())
}

fn appendix(o: &mut String, r: &Report) -> fmt::Result {
    write!(
        o,
        r#"<section class="page" id="catalog"><h2>Appendix: control catalog {}</h2><table class="catalog"><thead><tr><th class="st">ID</th><th class="st">Scope</th><th>Title</th><th>Assessor question</th></tr></thead><tbody>"#,
        e(&r.catalog.version)
    )?;
    for step in &r.catalog.steps {
        write!(
            o,
            r#"<tr class="group"><th colspan="4">Step {} – {}</th></tr>"#,
            step.number,
            e(&step.name)
        )?;
        for c in &step.controls {
            write!(
                o,
                r#"<tr><td class="st">{}</td><td class="st">{}</td><td>{}</td><td>{}</td></tr>"#,
                e(&c.id),
                c.scope.label(),
                e(&c.title),
                e(&c.question)
            )?;
        }
    }
    o.push_str("</tbody></table></section>\n");
    Ok(())
}
