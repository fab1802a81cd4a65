//! The report as GitHub-flavoured Markdown: the sections, tables and figures of the HTML report
//! (the heat map as a table with the level named in every cell), for people who edit reports
//! in a word processor. Every text from the workbook goes through [`super::escape::markdown`], so a
//! `|`, a backslash, a leading `#` or a line break cannot break a table or open a block.

mod findings;
mod method;

use std::fmt::{self, Write};

use super::escape::markdown as m;
use super::model::{MARKING, Report, date_text, percent, rating_text};
use super::{GENERATOR, sentences};
use crate::risk::register::Finding;
use crate::risk::{RiskLevel, scale_label};

/// Renders the whole report; the first line is the comment `<!-- medsec assessment report … -->`
/// that marks the file as an earlier report.
///
/// Errors: only `fmt::Error` from writing into a `String`, which does not happen.
pub fn render(r: &Report) -> Result<String, fmt::Error> {
    let mut o = String::with_capacity(32 * 1024 + r.findings.len() * 512);
    // The version is ours (Cargo's), not user text: written as is inside the comment.
    writeln!(o, "<!-- {GENERATOR} (medsec {}) -->\n", r.app_version)?;
    cover(&mut o, r)?;
    summary(&mut o, r)?;
    picture(&mut o, r)?;
    findings::top_ten(&mut o, r)?;
    findings::devices(&mut o, r)?;
    findings::remediation(&mut o, r)?;
    method::method(&mut o, r)?;
    method::appendix(&mut o, r)?;
    Ok(o)
}

/// A table row from cells already escaped.
fn row(o: &mut String, cells: &[String]) -> fmt::Result {
    writeln!(o, "| {} |", cells.join(" | "))
}

/// A header row and its delimiter row; `num` marks right-aligned columns.
fn header(o: &mut String, cells: &[&str], num: &[usize]) -> fmt::Result {
    writeln!(o, "| {} |", cells.join(" | "))?;
    let delims: Vec<&str> = (0..cells.len())
        .map(|n| if num.contains(&n) { "---:" } else { "---" })
        .collect();
    writeln!(o, "|{}|", delims.join("|"))
}

fn level(l: Option<RiskLevel>) -> String {
    l.map_or_else(|| "not rated".to_string(), |l| l.label().to_string())
}

fn or_dash(text: String) -> String {
    if text.trim().is_empty() {
        "–".to_string()
    } else {
        text
    }
}

fn cover(o: &mut String, r: &Report) -> fmt::Result {
    let meta = &r.meta;
    let title = if meta.title.trim().is_empty() {
        "Medical device security risk assessment".to_string()
    } else {
        m(&meta.title)
    };
    writeln!(o, "# {title}\n")?;
    writeln!(o, "**{MARKING}**\n")?;
    header(o, &["Assessment", ""], &[])?;
    for (k, v) in r.cover_facts() {
        row(o, &[format!("**{k}**"), or_dash(m(&v))])?;
    }
    o.push('\n');
    Ok(())
}

fn summary(o: &mut String, r: &Report) -> fmt::Result {
    let d = &r.dashboard;
    o.push_str("## 1 Executive summary\n\n");
    for s in sentences(r) {
        writeln!(o, "- {}", m(&s))?;
    }
    o.push('\n');
    header(o, &["Key figure", "Value"], &[1])?;
    for (k, v) in r.key_figures() {
        row(o, &[k.to_string(), v])?;
    }
    o.push('\n');
    header(o, &["Level", "Open risks", "Default due"], &[1])?;
    for l in RiskLevel::ALL {
        row(
            o,
            &[
                l.label().to_string(),
                d.at_level(l).to_string(),
                l.default_due_days()
                    .map_or_else(|| "none".to_string(), |n| format!("{n} days")),
            ],
        )?;
    }
    if d.unrated > 0 {
        row(o, &["not rated".into(), d.unrated.to_string(), "–".into()])?;
    }
    o.push('\n');
    Ok(())
}

fn picture(o: &mut String, r: &Report) -> fmt::Result {
    o.push_str("## 2 Heat map of open risks\n\n");
    o.push_str(
        "Open risks (status Open or In Progress) by inherent likelihood and impact; a model or \
         site finding counts once. Each cell gives the count and the level of that cell in this \
         workbook's grid.\n\n",
    );
    let mut cols = vec!["Likelihood ↓ / Impact →".to_string()];
    cols.extend((1..=5u8).map(|i| format!("{i} {}", scale_label(i))));
    let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    header(o, &refs, &[])?;
    for l in (1..=5u8).rev() {
        let mut cells = vec![format!("**{l} {}**", scale_label(l))];
        for i in 1..=5u8 {
            cells.push(format!(
                "{} · {}",
                r.dashboard.heat_at(l, i),
                r.grid.level(l, i).label()
            ));
        }
        row(o, &cells)?;
    }
    if r.dashboard.unrated > 0 {
        writeln!(
            o,
            "\n{} not yet rated {} not in the map.",
            super::count(r.dashboard.unrated, "open risk", "open risks"),
            if r.dashboard.unrated == 1 {
                "is"
            } else {
                "are"
            }
        )?;
    }
    o.push_str("\n## 3 Results per step\n\n");
    o.push_str(
        "A model or site answer counts once. Compliance = (Yes + ½ Partial) ÷ (Yes + Partial + \
         No); coverage = (assessed − Unknown) ÷ applicable.\n\n",
    );
    header(
        o,
        &[
            "Step",
            "Applicable",
            "Yes",
            "Partial",
            "No",
            "N/A",
            "Unknown",
            "Not assessed",
            "Compliance",
            "Coverage",
        ],
        &[1, 2, 3, 4, 5, 6, 7, 8, 9],
    )?;
    let rows = r
        .catalog
        .steps
        .iter()
        .map(|s| format!("{} {}", s.number, m(&s.name)))
        .zip(r.steps.iter())
        .chain(std::iter::once(("**All steps**".to_string(), &r.total)));
    for (name, p) in rows {
        row(
            o,
            &[
                name,
                p.applicable.to_string(),
                p.yes.to_string(),
                p.partial.to_string(),
                p.no.to_string(),
                p.na.to_string(),
                p.unknown.to_string(),
                p.not_assessed().to_string(),
                percent(p.compliance_ratio()),
                percent(p.coverage()),
            ],
        )?;
    }
    o.push('\n');
    Ok(())
}

fn control(f: &Finding<'_>) -> String {
    let mut text = m(&f.heading()).to_string();
    if f.is_uncontrolled_safety() {
        text.push_str(" — **Uncontrolled patient-safety risk**");
    }
    text
}

fn due(f: &Finding<'_>, r: &Report) -> String {
    let due = date_text(f.due_date());
    if f.is_overdue(r.as_of) {
        format!("{due} **overdue**")
    } else {
        due
    }
}

fn residual(f: &Finding<'_>) -> String {
    match f.residual_level() {
        Some(l) => format!(
            "{} ({})",
            l.label(),
            rating_text(f.entry.residual_likelihood, f.entry.residual_impact)
        ),
        None => "–".to_string(),
    }
}
