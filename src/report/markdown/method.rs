//! The closing sections of the Markdown report: scope and method (level grid, scales, default
//! due dates, the uncontrolled patient-safety rule) and the control catalog appendix.

use std::fmt::{self, Write};

use super::{header, row};
use crate::report::escape::markdown as m;
use crate::report::model::{Report, due_basis};
use crate::risk::{IMPACT_ANCHORS, LIKELIHOOD_ANCHORS, RiskLevel, scale_label};

pub(super) fn method(o: &mut String, r: &Report) -> fmt::Result {
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

pub(super) fn appendix(o: &mut String, r: &Report) -> fmt::Result {
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
