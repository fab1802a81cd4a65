//! The risk tables of the Markdown report: top ten open risks, findings by device, the
//! remediation plan and the accepted risks.

use std::fmt::{self, Write};

use super::{control, due, header, level, or_dash, residual, row};
use crate::report::escape::markdown as m;
use crate::report::model::{Report, date_text, percent, rating_text, risk_id, where_text};
use crate::risk::register::Finding;

pub(super) fn top_ten(o: &mut String, r: &Report) -> fmt::Result {
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

pub(super) fn devices(o: &mut String, r: &Report) -> fmt::Result {
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
                    format!(
                        "{} {}{}",
                        m(&u.control.id),
                        m(&u.control.title),
                        u.origin_note()
                    )
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
            ("Observed", f.answer.observed.as_str()),
            ("Recommendation", f.answer.recommendation.as_str()),
            ("Planned actions", f.entry.planned_actions.as_str()),
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
                f.response_label().to_string(),
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

pub(super) fn remediation(o: &mut String, r: &Report) -> fmt::Result {
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
                    format!("{} ({})", control(f), f.response_label()),
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
