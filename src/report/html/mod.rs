//! The report as one self-contained HTML5 file: inline CSS and SVG, system fonts only, no
//! script and nothing to fetch; a print stylesheet for A4 and Letter (page breaks before each
//! major section and each device, repeated table headers, colours kept).
//!
//! Every text that comes from the workbook goes through [`super::escape::html`] or
//! [`super::escape::html_lines`]; the only raw strings written are this module's own markup.

mod findings;
mod method;
mod style;

use std::fmt::{self, Write};

use super::escape::html as e;
use super::model::{MARKING, Report, date_text, percent, rating_text};
use super::{GENERATOR, count, svg};
use crate::risk::RiskLevel;
use crate::risk::register::Finding;

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
        css = style::stylesheet(),
    )?;
    cover(&mut o, r, &title)?;
    summary(&mut o, r)?;
    picture(&mut o, r)?;
    findings::top_ten(&mut o, r)?;
    findings::devices(&mut o, r)?;
    findings::remediation(&mut o, r)?;
    method::method(&mut o, r)?;
    method::appendix(&mut o, r)?;
    o.push_str("</body>\n</html>\n");
    Ok(o)
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
    for (k, v) in r.cover_facts() {
        let v = if v.trim().is_empty() {
            "–".to_string()
        } else {
            e(&v)
        };
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
    for (label, value) in r.key_figures() {
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
    e(&f.heading()).to_string()
}

fn due_cell(f: &Finding<'_>, r: &Report) -> String {
    let due = date_text(f.due_date());
    if f.is_overdue(r.as_of) {
        format!(r#"<span class="nowrap">{due}</span><br><span class="flag">overdue</span>"#)
    } else {
        format!(r#"<span class="nowrap">{due}</span>"#)
    }
}

fn residual(f: &Finding<'_>) -> String {
    match f.residual_level() {
        Some(l) => format!(
            "{} <span class=\"small nowrap\">{}</span>",
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
