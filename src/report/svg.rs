//! The report's two charts as inline SVG (no script, no external font or image): the heat map
//! of open risks and the stacked response bars per step. Every colour comes with a written
//! label (level names and abbreviations, response names, counts), so colour is never the only
//! signal (TEMPLATE.md "Risk Matrix").

use std::fmt::{self, Write};

use super::escape;
use super::model::{Report, percent};
use crate::assessment::{Response, StepProgress};
use crate::risk::{RiskLevel, scale_label};

/// `#RRGGBB` of a colour given as `0xRRGGBB`.
pub fn hex(rgb: u32) -> String {
    format!("#{rgb:06X}")
}

const CELL_W: u32 = 84;
const CELL_H: u32 = 54;
const LEFT: u32 = 118;
const TOP: u32 = 28;

/// The 5 × 5 heat map of open risks: rows likelihood 5 → 1, columns impact 1 → 5, each cell in
/// the workbook grid's level colour with its count and level abbreviation; a legend with the
/// level names and their counts. Each cell is a `<g class="cell">` carrying `data-l`,
/// `data-i`, `data-level` and `data-count`.
pub fn heat_map(out: &mut String, report: &Report) -> fmt::Result {
    let d = &report.dashboard;
    let grid_w = 5 * CELL_W;
    let width = LEFT + grid_w + 200;
    let height = TOP + 5 * CELL_H + 56;
    write!(
        out,
        r##"<svg class="chart heat" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="heat-title heat-desc">"##
    )?;
    write!(
        out,
        r##"<title id="heat-title">Open risks by likelihood and impact</title><desc id="heat-desc">{} open risks rated; rows are likelihood 5 (Very High) to 1 (Very Low), columns impact 1 (Very Low) to 5 (Very High).</desc>"##,
        d.heat.iter().flatten().sum::<usize>()
    )?;
    write!(
        out,
        r##"<text x="{x}" y="16" class="axis" text-anchor="end">Likelihood ↓</text>"##,
        x = LEFT - 8
    )?;
    for (row, l) in (1..=5u8).rev().enumerate() {
        let y = TOP + row as u32 * CELL_H;
        write!(
            out,
            r##"<text x="{x}" y="{ty}" text-anchor="end" class="scale">{l} {name}</text>"##,
            x = LEFT - 8,
            ty = y + CELL_H / 2 + 4,
            name = scale_label(l)
        )?;
        for i in 1..=5u8 {
            let x = LEFT + u32::from(i - 1) * CELL_W;
            let level = report.grid.level(l, i);
            let (fill, ink) = level.colours();
            let count = d.heat_at(l, i);
            let faint = if count == 0 {
                r##" opacity="0.45""##
            } else {
                ""
            };
            write!(
                out,
                r##"<g class="cell" data-l="{l}" data-i="{i}" data-level="{label}" data-count="{count}"><title>Likelihood {l} × impact {i}: {label}, {count} open</title><rect x="{x}" y="{y}" width="{CELL_W}" height="{CELL_H}" fill="{fill}" stroke="#FFFFFF" stroke-width="2"/><text x="{cx}" y="{cy}" text-anchor="middle" class="count" fill="{ink}"{faint}>{count}</text><text x="{cx}" y="{ay}" text-anchor="middle" class="abbr" fill="{ink}">{abbr}</text></g>"##,
                label = level.label(),
                fill = hex(fill),
                ink = hex(ink),
                cx = x + CELL_W / 2,
                cy = y + CELL_H / 2 + 3,
                ay = y + CELL_H - 8,
                abbr = level.abbreviation(),
            )?;
        }
    }
    let below = TOP + 5 * CELL_H;
    for i in 1..=5u8 {
        write!(
            out,
            r##"<text x="{x}" y="{y}" text-anchor="middle" class="scale">{i} {name}</text>"##,
            x = LEFT + u32::from(i - 1) * CELL_W + CELL_W / 2,
            y = below + 18,
            name = scale_label(i)
        )?;
    }
    write!(
        out,
        r##"<text x="{x}" y="{y}" text-anchor="middle" class="axis">Impact →</text>"##,
        x = LEFT + grid_w / 2,
        y = below + 42
    )?;
    // Legend: level colour, abbreviation, name and the number of open risks at that level.
    let lx = LEFT + grid_w + 22;
    write!(
        out,
        r##"<text x="{lx}" y="{y}" class="axis">Level (open risks)</text>"##,
        y = TOP + 12
    )?;
    for (n, level) in RiskLevel::ALL.into_iter().enumerate() {
        let y = TOP + 26 + n as u32 * 28;
        let (fill, ink) = level.colours();
        write!(
            out,
            r##"<g class="legend" data-level="{label}" data-count="{count}"><rect x="{lx}" y="{y}" width="30" height="20" fill="{fill}" stroke="#555555" stroke-width="0.5"/><text x="{cx}" y="{ty}" text-anchor="middle" class="abbr" fill="{ink}">{abbr}</text><text x="{tx}" y="{ty}" class="scale">{label}: {count}</text></g>"##,
            label = level.label(),
            count = d.at_level(level),
            fill = hex(fill),
            ink = hex(ink),
            abbr = level.abbreviation(),
            cx = lx + 15,
            tx = lx + 38,
            ty = y + 14,
        )?;
    }
    out.push_str("</svg>");
    Ok(())
}

/// Fill and text colours of a response's bar segment.
pub fn response_colours(response: Option<Response>) -> (u32, u32) {
    match response {
        Some(Response::Yes) => (0x2E7D32, 0xFFFFFF),
        Some(Response::Partial) => (0xF2B01E, 0x000000),
        Some(Response::No) => (0xC62828, 0xFFFFFF),
        Some(Response::NotApplicable) => (0x90A4AE, 0x000000),
        Some(Response::Unknown) => (0x7B4FA0, 0xFFFFFF),
        None => (0xE6E6E6, 0x000000),
    }
}

/// The segments of a step's bar in drawing order: each response, then not assessed.
pub fn segments(p: &StepProgress) -> [(Option<Response>, &'static str, usize); 6] {
    [
        (Some(Response::Yes), "Yes", p.yes),
        (Some(Response::Partial), "Partial", p.partial),
        (Some(Response::No), "No", p.no),
        (Some(Response::NotApplicable), "N/A", p.na),
        (Some(Response::Unknown), "Unknown", p.unknown),
        (None, "Not assessed", p.not_assessed()),
    ]
}

const LABEL_W: u32 = 250;
const BAR_W: u32 = 330;
const ROW_H: u32 = 30;

/// Stacked bars of responses per step (share of the applicable controls), with compliance and
/// coverage written beside each bar and a legend of the response colours on top.
pub fn step_bars(out: &mut String, report: &Report) -> fmt::Result {
    let width = LABEL_W + BAR_W + 250;
    let top = 40;
    let height = top + report.steps.len() as u32 * ROW_H + 8;
    write!(
        out,
        r##"<svg class="chart steps" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="steps-title"><title id="steps-title">Responses per step, as a share of the applicable controls</title>"##
    )?;
    let mut x = 0;
    for (response, name, _) in segments(&StepProgress::default()) {
        let (fill, _) = response_colours(response);
        write!(
            out,
            r##"<rect x="{x}" y="6" width="14" height="14" fill="{fill}" stroke="#555555" stroke-width="0.5"/><text x="{tx}" y="18" class="scale">{name}</text>"##,
            fill = hex(fill),
            tx = x + 18,
        )?;
        // About 7.5 px per character at 12 px, then a gap before the next swatch.
        x += 30 + name.len() as u32 * 15 / 2;
    }
    for (n, (step, p)) in report.catalog.steps.iter().zip(&report.steps).enumerate() {
        let y = top + n as u32 * ROW_H;
        write!(
            out,
            r##"<g class="step" data-step="{num}" data-applicable="{app}"><text x="0" y="{ty}" class="scale">{num} {name}</text>"##,
            num = step.number,
            app = p.applicable,
            ty = y + 15,
            name = escape::html(&step.name),
        )?;
        let mut x = f64::from(LABEL_W);
        for (response, label, count) in segments(p) {
            if count == 0 || p.applicable == 0 {
                continue;
            }
            let w = f64::from(BAR_W) * count as f64 / p.applicable as f64;
            let (fill, ink) = response_colours(response);
            write!(
                out,
                r##"<g class="seg" data-response="{label}" data-count="{count}"><title>{label}: {count}</title><rect x="{x:.1}" y="{y}" width="{w:.1}" height="20" fill="{fill}" stroke="#FFFFFF" stroke-width="0.5"/>"##,
                fill = hex(fill),
            )?;
            if w >= 22.0 {
                write!(
                    out,
                    r##"<text x="{cx:.1}" y="{ty}" text-anchor="middle" class="abbr" fill="{ink}">{count}</text>"##,
                    cx = x + w / 2.0,
                    ty = y + 14,
                    ink = hex(ink),
                )?;
            }
            out.push_str("</g>");
            x += w;
        }
        if p.applicable == 0 {
            write!(
                out,
                r##"<rect x="{LABEL_W}" y="{y}" width="{BAR_W}" height="20" fill="none" stroke="#999999"/>"##
            )?;
        }
        write!(
            out,
            r##"<text x="{tx}" y="{ty}" class="scale">Compliance {c} · coverage {v}</text></g>"##,
            tx = LABEL_W + BAR_W + 10,
            ty = y + 15,
            c = percent(p.compliance_ratio()),
            v = percent(p.coverage()),
        )?;
    }
    out.push_str("</svg>");
    Ok(())
}
