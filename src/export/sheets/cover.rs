//! `Cover`: assessment metadata as key/value rows, the handling marking, and the legends of
//! responses and risk level colours (TEMPLATE.md "Cover").

use super::{Context, date_or_text, sites_text};
use crate::export::ExportError;
use crate::export::xlsx::{Cell, Look, SheetRecord, SheetWriter, Value};
use crate::risk::RiskLevel;

/// Key of the stamp row holding the app version (left out of the sheet hash).
pub const APP_VERSION_KEY: &str = "App version";
/// Key of the stamp row holding the export time (left out of the sheet hash).
pub const GENERATED_AT_KEY: &str = "Generated at (UTC)";
/// The audit head as the Cover and the report show it: `HASH (N entries)`; empty for a template.
pub fn audit_head_text(head: &crate::workbook::AuditHead) -> String {
    if head.length == 0 {
        String::new()
    } else {
        format!("{} ({} entries)", head.hash, head.length)
    }
}
/// Risk model statement.
pub const RISK_MODEL: &str = "NIST SP 800-30 Rev. 1, 5 × 5, Table I-2 levels";
/// Risk model statement of a workbook whose level grid was edited.
pub const RISK_MODEL_EDITED: &str = "NIST SP 800-30 Rev. 1, 5 × 5, levels from this workbook's \
     grid (edited from Table I-2; see Risk Matrix)";
/// Confidentiality marking.
pub const MARKING: &str = "Contains network and security details – handle as confidential";
/// Encryption notice: the export leaves the encrypted workbook.
pub const NOT_ENCRYPTED: &str = "This file is NOT encrypted (the medsec workbook is; Excel sheet \
     protection is not encryption). Keep it in an encrypted location and share it only with \
     people who need it.";

/// Writes `Cover`.
pub fn write(mut w: SheetWriter<'_>, ctx: &Context<'_>) -> Result<SheetRecord, ExportError> {
    let meta = &ctx.data.meta;
    let sites = sites_text(ctx);
    w.column_widths(&[(0, 30.0), (1, 100.0)])?;
    w.freeze_panes(1, 0)?;

    let as_of = Value::Date(ctx.opts.as_of);
    let rows: Vec<(&str, Value<'_>, Look)> = vec![
        ("Organisation", Value::text(&meta.organisation), Look::Auto),
        ("Site(s)", Value::string(sites), Look::Auto),
        ("Assessment ID", Value::text(&meta.workbook_id), Look::Auto),
        ("Assessment title", Value::text(&meta.title), Look::Auto),
        ("Scope statement", Value::text(&meta.scope), Look::Auto),
        ("Assessor name(s)", Value::text(&meta.assessor), Look::Auto),
        (
            "Start date",
            date_or_text(meta.start_date.as_deref().unwrap_or("")),
            Look::Auto,
        ),
        (
            "End date",
            date_or_text(meta.end_date.as_deref().unwrap_or("")),
            Look::Auto,
        ),
        ("As of", as_of, Look::Auto),
        (
            "Catalog version",
            Value::text(&ctx.data.catalog.version),
            Look::Auto,
        ),
        (
            APP_VERSION_KEY,
            Value::text(ctx.opts.app_version),
            Look::Auto,
        ),
        (GENERATED_AT_KEY, Value::text(&ctx.exported_at), Look::Auto),
        (
            "Risk model",
            Value::text(if ctx.data.grid.is_nist() {
                RISK_MODEL
            } else {
                RISK_MODEL_EDITED
            }),
            Look::Auto,
        ),
        (
            "Audit trail head",
            Value::string(audit_head_text(&ctx.data.audit)),
            Look::Auto,
        ),
        (
            "Confidentiality marking",
            Value::text(MARKING),
            Look::Marking,
        ),
        ("Encryption", Value::text(NOT_ENCRYPTED), Look::Marking),
    ];
    w.write_row(
        0,
        &[
            Cell::with(0, Value::text("Item"), Look::Header),
            Cell::with(1, Value::text("Value"), Look::Header),
        ],
    )?;
    let mut row = 1u32;
    for (key, value, look) in rows {
        if key == APP_VERSION_KEY || key == GENERATED_AT_KEY {
            w.stamp(row, 1);
        }
        w.write_row(
            row,
            &[
                Cell::with(0, Value::text(key), Look::Bold),
                Cell::with(1, value, look),
            ],
        )?;
        row += 1;
    }
    w.autofilter(1)?;

    row += 1;
    w.write_row(
        row,
        &[
            Cell::with(0, Value::text("Response"), Look::Header),
            Cell::with(1, Value::text("Meaning"), Look::Header),
        ],
    )?;
    let responses = [
        ("Yes", "In place and evidenced"),
        ("Partial", "Partly in place"),
        ("No", "Not in place (a finding)"),
        ("N/A", "Does not apply to this device (the note says why)"),
        (
            "Unknown",
            "Could not be assessed (a finding until resolved)",
        ),
        ("(blank)", "Not assessed yet"),
        (
            "Suggested",
            "A response with the Suggested column filled (from an MDS2 or a bulk copy) is not \
             confirmed and counts as not assessed; clear the Suggested cell to confirm it",
        ),
    ];
    for (label, meaning) in responses {
        row += 1;
        w.write_row(
            row,
            &[
                Cell::with(0, Value::text(label), Look::Bold),
                Cell::new(1, Value::text(meaning)),
            ],
        )?;
    }

    row += 2;
    w.write_row(
        row,
        &[
            Cell::with(0, Value::text("Risk level"), Look::Header),
            Cell::with(1, Value::text("Colour (fill / text)"), Look::Header),
        ],
    )?;
    for level in RiskLevel::ALL {
        row += 1;
        let (fill, text) = level.colours();
        w.write_row(
            row,
            &[
                Cell::with(0, Value::text(level.label()), Look::Level(level)),
                Cell::new(1, Value::string(format!("#{fill:06X} / #{text:06X}"))),
            ],
        )?;
    }
    row += 1;
    w.write_row(
        row,
        &[Cell::new(
            1,
            Value::text(
                "Level = lookup of likelihood and impact in the level grid (NIST SP 800-30 Rev. 1 \
                 Table I-2 unless edited; see Risk Matrix); the level's name is always written, \
                 so colour is never the only signal",
            ),
        )],
    )?;
    Ok(w.finish())
}
