//! The closing sections of the HTML report: scope and method (level grid, scales, default due
//! dates, the uncontrolled patient-safety rule) and the control catalog appendix.

use std::fmt::{self, Write};

use super::badge;
use crate::report::escape::{html as e, html_lines as lines};
use crate::report::model::{Report, due_basis};
use crate::risk::{IMPACT_ANCHORS, LIKELIHOOD_ANCHORS, RiskLevel, scale_label};

pub(super) fn method(o: &mut String, r: &Report) -> fmt::Result {
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

pub(super) fn appendix(o: &mut String, r: &Report) -> fmt::Result {
    write!(
        o,
        r#"<section class="page" id="catalog"><h2>Appendix: control catalog {}</h2>"#,
        e(&r.catalog.version)
    )?;
    // One table per step under its own heading, so a step's name never ends a printed page.
    for step in &r.catalog.steps {
        write!(
            o,
            r#"<h3>Step {} – {}</h3><table class="catalog"><thead><tr><th class="st">ID</th><th class="st">Scope</th><th>Title</th><th>Assessor question</th></tr></thead><tbody>"#,
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
        o.push_str("</tbody></table>");
    }
    o.push_str("</section>\n");
    Ok(())
}
