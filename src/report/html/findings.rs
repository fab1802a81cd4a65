//! The risk tables of the HTML report: top ten open risks, findings by device (one printed
//! page per device), the remediation plan and the accepted risks.

use std::fmt::{self, Write};

use super::{badge, control_text, due_cell, or_dash, residual, residual_line, safety_flag};
use crate::report::escape::{html as e, html_lines as lines};
use crate::report::model::{Report, date_text, percent, rating_text, risk_id, where_text};
use crate::risk::register::Finding;

pub(super) fn top_ten(o: &mut String, r: &Report) -> fmt::Result {
    o.push_str(r#"<section class="page" id="top"><h2>4 Top ten open risks</h2>"#);
    if r.dashboard.top.is_empty() {
        o.push_str("<p>There are no open risks.</p></section>\n");
        return Ok(());
    }
    o.push_str("<p>Open risks ranked by score (likelihood × impact), then patient-safety impact, then device.</p>");
    table_head(
        o,
        "top",
        &[
            ("c-rank", r#"<th class="num">#</th>"#),
            ("c-id", "<th>Risk ID</th>"),
            ("c-dev", "<th>Device</th>"),
            ("", "<th>Control</th>"),
            ("c-lv", "<th>Level (L × I)</th>"),
            ("c-owner", "<th>Owner</th>"),
            ("c-date", "<th>Due</th>"),
            ("c-status", "<th>Status</th>"),
        ],
    );
    for (n, f) in r.dashboard.top.iter().enumerate() {
        write!(
            o,
            r#"<tr data-risk="{id}"><td class="num">{rank}</td><td class="id">{id}</td><td>{dev}</td><td>{ctl}{flag}</td><td>{lv}<br><span class="small nowrap">{rating}</span>{res}</td><td>{owner}</td><td>{due}</td><td>{status}</td></tr>"#,
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

pub(super) fn devices(o: &mut String, r: &Report) -> fmt::Result {
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
                format!(
                    "{} {}{}",
                    e(&u.control.id),
                    e(&u.control.title),
                    u.origin_note()
                )
            })
            .collect();
        write!(o, "{}.</p>", items.join("; "))?;
    }
    o.push_str("</section>\n");
    Ok(())
}

fn findings_table(o: &mut String, r: &Report, list: impl Iterator<Item = usize>) -> fmt::Result {
    table_head(
        o,
        "findings",
        &[
            ("c-ctl", "<th>Control</th>"),
            ("c-resp", "<th>Response</th>"),
            ("c-lv", "<th>Level (L × I)</th>"),
            ("", "<th>Note and recommendation</th>"),
            ("c-owner", "<th>Owner · due · status</th>"),
        ],
    );
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
            r#"<tr data-risk="{id}"><td><span class="small muted">{id}</span><br>{ctl}{scope}</td><td>{resp}</td><td>{lv}<br><span class="small nowrap">{rating}</span>{res}{flag}</td><td>{text}</td><td>{owner}<br>{due}<br>{status}{treat}</td></tr>"#,
            id = e(&risk_id(f)),
            ctl = control_text(f),
            resp = f.response_label(),
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

pub(super) fn remediation(o: &mut String, r: &Report) -> fmt::Result {
    let open = r.open_risks().count();
    write!(
        o,
        r#"<section class="page" id="plan"><h2>6 Remediation plan</h2><p>Every open risk ({open}), highest first. Due dates follow the level unless set by hand (14, 30, 90 and 180 days from identification for Very High, High, Moderate and Low); past-due items are marked <span class="flag">overdue</span> as of {as_of}.</p>"#,
        as_of = r.as_of
    )?;
    if open == 0 {
        o.push_str("<p>There are no open risks.</p>");
    } else {
        table_head(
            o,
            "remediation",
            &[
                ("c-idlv", "<th>Risk ID, level</th>"),
                ("c-risk", "<th>Risk and device</th>"),
                ("", "<th>Treatment and planned actions</th>"),
                ("c-owner", "<th>Owner</th>"),
                ("c-date", "<th>Due</th>"),
                ("c-status", "<th>Status</th>"),
            ],
        );
        for f in r.open_risks() {
            write!(
                o,
                r#"<tr data-risk="{id}"><td class="id">{id}<br>{lv}</td><td>{ctl} <span class="small muted">({resp})</span><br><span class="small">{dev}</span>{flag}</td><td>{treat}{actions}</td><td>{owner}</td><td>{due}</td><td>{status}</td></tr>"#,
                id = e(&risk_id(f)),
                lv = badge(f.level()),
                ctl = control_text(f),
                resp = f.response_label(),
                dev = e(&where_text(f)),
                flag = safety_flag(f),
                treat = f
                    .entry
                    .treatment
                    .map_or_else(String::new, |t| format!("<b>{}:</b> ", t.label())),
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
        o.push_str(r#"<p>Risks the organisation chose to live with, with who accepted them and when they must be reviewed; a review date before the as-of date is marked <span class="flag">expired</span>.</p>"#);
        table_head(
            o,
            "accepted",
            &[
                ("c-idlv", "<th>Risk ID, level</th>"),
                ("c-ctl", "<th>Risk and device</th>"),
                ("c-lv", "<th>Residual</th>"),
                ("c-who", "<th>Accepted by, on</th>"),
                ("", "<th>Acceptance note</th>"),
                ("c-date", "<th>Review date, status</th>"),
            ],
        );
        for f in accepted {
            let review = date_text(f.entry.review_date);
            let review = if f.is_expired(r.as_of) {
                format!(
                    r#"<span class="nowrap">{review}</span><br><span class="flag">expired</span>"#
                )
            } else {
                format!(r#"<span class="nowrap">{review}</span>"#)
            };
            write!(
                o,
                r#"<tr data-risk="{id}"><td class="id">{id}<br>{lv}</td><td>{ctl}<br><span class="small">{dev}</span></td><td>{res}</td><td>{by}<br><span class="nowrap">{on}</span></td><td>{note}</td><td>{review}<br><span class="small muted">{status}</span></td></tr>"#,
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

/// Opens a risk table with fixed column widths: `cols` pairs a `<col>` width class (see the
/// stylesheet; "" = the column that takes the remaining width) with its header cell. A fixed
/// layout keeps long unbroken text (an e-mail address as owner) inside its cell instead of
/// widening the table past the page, which would make the browser shrink the whole PDF.
fn table_head(o: &mut String, class: &str, cols: &[(&str, &str)]) {
    o.push_str(r#"<table class=""#);
    o.push_str(class);
    o.push_str(r#" fixed"><colgroup>"#);
    for (width, _) in cols {
        if width.is_empty() {
            o.push_str("<col>");
        } else {
            o.push_str(r#"<col class=""#);
            o.push_str(width);
            o.push_str(r#"">"#);
        }
    }
    o.push_str("</colgroup><thead><tr>");
    for (_, head) in cols {
        o.push_str(head);
    }
    o.push_str("</tr></thead><tbody>");
}
