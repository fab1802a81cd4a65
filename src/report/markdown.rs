//! The report as GitHub-flavoured Markdown: the sections, tables and figures of the HTML report
//! (the heat map as a table with the level named in every cell), for people who edit reports
//! in a word processor. Every text from the workbook goes through [`escape::markdown`], so a
//! `|`, a backslash, a leading `#` or a line break cannot break a table or open a block.

use std::fmt::{self, Write};

use super::escape::markdown as m;
use super::model::{
    AUDIT_NOT_RECORDED, MARKING, Report, date_text, due_basis, percent, rating_text, risk_id,
    where_text,
};
use super::{GENERATOR, sentences};
use crate::assessment::Origin;
use crate::risk::register::Finding;
use crate::risk::{IMPACT_ANCHORS, LIKELIHOOD_ANCHORS, RiskLevel, scale_label};

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
    top_ten(&mut o, r)?;
    devices(&mut o, r)?;
    remediation(&mut o, r)?;
    method(&mut o, r)?;
    appendix(&mut o, r)?;
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
    let rows = [
        ("Organisation", m(&meta.organisation)),
        ("Site(s)", m(&r.sites_text())),
        ("Assessment ID", m(&meta.workbook_id)),
        ("Assessor(s)", m(&meta.assessor)),
        ("Start date", m(meta.start_date.as_deref().unwrap_or(""))),
        ("End date", m(meta.end_date.as_deref().unwrap_or(""))),
        ("As of", r.as_of.to_string()),
        ("Devices", r.devices.len().to_string()),
        ("Catalog version", m(&r.catalog.version)),
        ("Risk model", r.risk_model().to_string()),
        (
            "Generated",
            format!("{} by medsec {}", m(&r.generated_at), m(r.app_version)),
        ),
        ("Audit trail head", AUDIT_NOT_RECORDED.to_string()),
    ];
    for (k, v) in rows {
        row(o, &[format!("**{k}**"), or_dash(v)])?;
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
    let facts = [
        (
            "Devices assessed",
            format!("{} of {}", r.devices_started(), r.devices.len()),
        ),
        ("Progress", percent(super::html::progress_fraction(r))),
        ("Compliance", percent(r.total.compliance_ratio())),
        ("Open risks", d.open.to_string()),
        ("Overdue", d.overdue.to_string()),
        ("Expired acceptances", r.expired.to_string()),
        (
            "Uncontrolled patient-safety risks",
            r.uncontrolled_safety.to_string(),
        ),
    ];
    for (k, v) in facts {
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
    let mut text = format!("{} {}", m(&f.control.id), m(&f.control.title));
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

fn top_ten(o: &mut String, r: &Report) -> fmt::Result {
    o.push_str("## 4 Top ten open risks\n\n");
    if r.dashboard.top.is_empty() {
        o.push_str("There are no open risks.\n\n");
        return Ok(());
    }
    header(
        o,
        &[
            "#", "Risk ID", "Device", "Control", "Level", "Rating", "Residual", "Owner", "Due",
            "Status",
        ],
        &[0],
    )?;
    for (n, f) in r.dashboard.top.iter().enumerate() {
        row(
            o,
            &[
                (n + 1).to_string(),
                risk_id(f),
                m(&where_text(f)),
                control(f),
                level(f.level()),
                rating_text(f.likelihood, f.impact),
                residual(f),
                or_dash(m(&f.entry.owner)),
                due(f, r),
                f.entry.status.label().to_string(),
            ],
        )?;
    }
    o.push('\n');
    Ok(())
}

fn devices(o: &mut String, r: &Report) -> fmt::Result {
    o.push_str("## 5 Findings by device\n\n");
    for (i, dev) in r.devices.iter().enumerate() {
        let name = dev.get("name");
        if name.is_empty() {
            writeln!(o, "### {}\n", dev.short_id())?;
        } else {
            writeln!(o, "### {} · {}\n", dev.short_id(), m(name))?;
        }
        let p = r.device_progress.get(i);
        let make = [dev.get("manufacturer"), dev.get("model")]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" / ");
        header(o, &["Field", "Value"], &[])?;
        let fields = [
            ("Manufacturer / model", m(&make)),
            ("Location", m(&dev.location())),
            ("IP address(es)", m(dev.get("ip_addresses"))),
            ("Asset tag", m(dev.get("asset_tag"))),
            ("Category", m(dev.get("category"))),
            ("Criticality", m(dev.get("criticality"))),
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
            (
                "Highest open risk",
                p.and_then(|p| p.highest_risk)
                    .map_or_else(|| "none".to_string(), |l| l.label().to_string()),
            ),
        ];
        for (k, v) in fields {
            row(o, &[k.to_string(), or_dash(v)])?;
        }
        o.push('\n');
        match r.by_device.get(i) {
            Some(list) if !list.is_empty() => findings_table(o, r, list)?,
            _ => o.push_str("No findings (no No, Partial or Unknown answer) on this device.\n\n"),
        }
        if let Some(list) = r.unevidenced.get(i).filter(|l| !l.is_empty()) {
            let items: Vec<String> = list
                .iter()
                .map(|u| {
                    let from = match u.origin {
                        Origin::Model => " (model answer)",
                        Origin::Site => " (site answer)",
                        Origin::Device | Origin::DeviceOverride => "",
                    };
                    format!("{} {}{from}", m(&u.control.id), m(&u.control.title))
                })
                .collect();
            writeln!(
                o,
                "**Yes without evidence reference** ({}): {}.\n",
                list.len(),
                items.join("; ")
            )?;
        }
    }
    if !r.unattached.is_empty() {
        o.push_str("### Model and site findings on no device\n\n");
        findings_table(o, r, &r.unattached)?;
    }
    Ok(())
}

fn findings_table(o: &mut String, r: &Report, list: &[usize]) -> fmt::Result {
    header(
        o,
        &[
            "Risk ID",
            "Control",
            "Response",
            "Level",
            "Rating",
            "Note and recommendation",
            "Owner",
            "Due",
            "Status",
        ],
        &[],
    )?;
    for f in list.iter().filter_map(|&n| r.findings.get(n)) {
        let mut text = Vec::new();
        if !f.answer.note.trim().is_empty() {
            text.push(m(&f.answer.note));
        }
        for (label, value) in [
            ("Observed", &f.answer.observed),
            ("Recommendation", &f.answer.recommendation),
            ("Planned actions", &f.entry.planned_actions),
        ] {
            if !value.trim().is_empty() {
                text.push(format!("**{label}:** {}", m(value)));
            }
        }
        let mut ctl = control(f);
        if f.scope() != crate::catalog::Scope::Device {
            ctl.push_str(&format!(" ({})", m(&where_text(f))));
        }
        row(
            o,
            &[
                risk_id(f),
                ctl,
                f.response.label().to_string(),
                level(f.level()),
                rating_text(f.likelihood, f.impact),
                or_dash(text.join("<br>")),
                or_dash(m(&f.entry.owner)),
                due(f, r),
                f.entry.status.label().to_string(),
            ],
        )?;
    }
    o.push('\n');
    Ok(())
}

fn remediation(o: &mut String, r: &Report) -> fmt::Result {
    o.push_str("## 6 Remediation plan\n\n");
    let open: Vec<&Finding<'_>> = r.open_risks().collect();
    writeln!(
        o,
        "Every open risk ({}), highest first; past-due items are marked **overdue** as of {}.\n",
        open.len(),
        r.as_of
    )?;
    if open.is_empty() {
        o.push_str("There are no open risks.\n\n");
    } else {
        header(
            o,
            &[
                "Risk ID",
                "Risk",
                "Device",
                "Level",
                "Treatment",
                "Planned actions",
                "Owner",
                "Due",
                "Status",
            ],
            &[],
        )?;
        for f in open {
            row(
                o,
                &[
                    risk_id(f),
                    format!("{} ({})", control(f), f.response.label()),
                    m(&where_text(f)),
                    level(f.level()),
                    f.entry.treatment.map_or("–", |t| t.label()).to_string(),
                    or_dash(m(&f.entry.planned_actions)),
                    or_dash(m(&f.entry.owner)),
                    due(f, r),
                    f.entry.status.label().to_string(),
                ],
            )?;
        }
        o.push('\n');
    }
    o.push_str("### Accepted risks\n\n");
    let accepted: Vec<&Finding<'_>> = r.accepted_risks().collect();
    if accepted.is_empty() {
        o.push_str("No risk has been accepted.\n\n");
        return Ok(());
    }
    header(
        o,
        &[
            "Risk ID",
            "Risk",
            "Device",
            "Level",
            "Residual",
            "Accepted by",
            "Accepted on",
            "Acceptance note",
            "Review date",
            "Status",
        ],
        &[],
    )?;
    for f in accepted {
        let mut review = date_text(f.entry.review_date);
        if f.is_expired(r.as_of) {
            review.push_str(" **expired**");
        }
        row(
            o,
            &[
                risk_id(f),
                control(f),
                m(&where_text(f)),
                level(f.level()),
                residual(f),
                or_dash(m(&f.entry.accepted_by)),
                date_text(f.entry.accepted_on),
                or_dash(m(&f.entry.acceptance_note)),
                review,
                f.entry.status.label().to_string(),
            ],
        )?;
    }
    o.push('\n');
    Ok(())
}

fn method(o: &mut String, r: &Report) -> fmt::Result {
    o.push_str("## 7 Scope and method\n\n");
    if !r.meta.scope.trim().is_empty() {
        writeln!(o, "**Scope:** {}\n", m(&r.meta.scope))?;
    }
    writeln!(
        o,
        "{} devices were assessed against the medsec control catalog version {} ({} controls in \
         8 steps; see the appendix). A control answered for a whole model or site is asked once \
         and counted once. Every No, Partial or Unknown answer is a finding with a risk rating \
         and a register entry; unconfirmed suggestions are not counted.\n",
        r.devices.len(),
        m(&r.catalog.version),
        r.catalog.controls().count()
    )?;
    writeln!(
        o,
        "**Risk model:** {}. Likelihood (L) and impact (I) are rated 1–5; impact is the highest \
         of patient safety, PHI / data and clinical operations. The level is looked up in the \
         grid below; the score L × I is used only for sorting. An open risk has status Open or \
         In Progress.\n",
        r.risk_model()
    )?;
    o.push_str("### Level grid\n\n");
    let mut cols = vec!["Likelihood ↓ / Impact →".to_string()];
    cols.extend((1..=5u8).map(|i| format!("{i} {}", scale_label(i))));
    let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    header(o, &refs, &[])?;
    for l in (1..=5u8).rev() {
        let mut cells = vec![format!("**{l} {}**", scale_label(l))];
        cells.extend((1..=5u8).map(|i| r.grid.level(l, i).label().to_string()));
        row(o, &cells)?;
    }
    o.push_str("\n### Likelihood scale\n\n");
    header(
        o,
        &["L", "Level", "Anchor for a medical device finding"],
        &[0],
    )?;
    for (l, anchor) in LIKELIHOOD_ANCHORS {
        row(o, &[l.to_string(), scale_label(l).into(), anchor.into()])?;
    }
    o.push_str("\n### Impact scale\n\n");
    header(
        o,
        &[
            "I",
            "Level",
            "Patient safety",
            "PHI / data",
            "Clinical operations",
        ],
        &[0],
    )?;
    for (i, safety, phi, ops) in IMPACT_ANCHORS {
        row(
            o,
            &[
                i.to_string(),
                scale_label(i).into(),
                safety.into(),
                phi.into(),
                ops.into(),
            ],
        )?;
    }
    o.push_str("\n### Default due dates\n\n");
    header(o, &["Level", "Default due", "Basis"], &[])?;
    for l in RiskLevel::ALL {
        row(
            o,
            &[
                l.label().into(),
                l.default_due_days()
                    .map_or_else(|| "none".to_string(), |n| format!("{n} days")),
                due_basis(l).into(),
            ],
        )?;
    }
    o.push_str(
        "\nDue dates count from the date a finding was first identified and can be set by hand \
         per risk.\n\n### Uncontrolled patient-safety risk\n\nA risk is flagged as an \
         **uncontrolled patient-safety risk** when its patient-safety impact is 4 (Critical) or \
         5 (Catastrophic) and it is not controlled — still open, with no residual rating of Low \
         or Very Low — whatever its level (FDA postmarket cybersecurity framing).\n\n\
         ### Yes without evidence\n\nYes answers without an evidence reference are accepted but \
         listed under each device as **Yes without evidence reference**.\n\n",
    );
    Ok(())
}

fn appendix(o: &mut String, r: &Report) -> fmt::Result {
    writeln!(
        o,
        "## Appendix: control catalog {}\n",
        m(&r.catalog.version)
    )?;
    for step in &r.catalog.steps {
        writeln!(o, "### Step {} – {}\n", step.number, m(&step.name))?;
        header(o, &["ID", "Scope", "Title", "Assessor question"], &[])?;
        for c in &step.controls {
            row(
                o,
                &[
                    m(&c.id),
                    c.scope.label().into(),
                    m(&c.title),
                    m(&c.question),
                ],
            )?;
        }
        o.push('\n');
    }
    Ok(())
}
