//! `medsec risk grid`: shows and edits the workbook's 5 × 5 level grid (TEMPLATE.md "Risk
//! Matrix": stored per workbook, editable; the default is NIST SP 800-30 Rev. 1 Table I-2).

use crate::cli::error::CliError;
use crate::cli::output::say;
use crate::device::fields::printable;
use crate::risk::register::Register;
use crate::risk::{GRID, RiskGrid, RiskLevel, scale_label};
use crate::workbook::Workbook;

/// Parses one `--set L,I=LEVEL`: likelihood and impact 1–5, a level name (`Very High`,
/// `very-high`) or abbreviation (`VH`).
///
/// Errors: a usage error naming the part that is wrong and the values allowed.
fn parse_cell(text: &str) -> Result<(u8, u8, RiskLevel), CliError> {
    let bad = |why: &str| {
        CliError::usage(format!(
            "--set {:?}: {why}; write LIKELIHOOD,IMPACT=LEVEL, e.g. 5,3=High (likelihood and impact 1-5; LEVEL Very High, High, Moderate, Low, Very Low or VH, H, M, L, VL)",
            printable(text)
        ))
    };
    let (cell, level) = text
        .split_once('=')
        .ok_or_else(|| bad("no `=` before the level"))?;
    let (l, i) = cell
        .split_once(',')
        .ok_or_else(|| bad("no `,` between likelihood and impact"))?;
    let number = |t: &str, what: &str| {
        t.trim()
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=5).contains(n))
            .ok_or_else(|| bad(&format!("the {what} must be 1-5")))
    };
    let l = number(l, "likelihood")?;
    let i = number(i, "impact")?;
    let level = RiskLevel::parse_short(&level.replace(['-', '_'], " "))
        .ok_or_else(|| bad("not a risk level"))?;
    Ok((l, i, level))
}

/// The grid as a table, rows likelihood 5 → 1, columns impact 1 → 5; a cell that differs from
/// NIST SP 800-30 Rev. 1 Table I-2 is marked `*`.
fn table(grid: &RiskGrid) -> Vec<String> {
    const W: usize = 12;
    let mut out = Vec::new();
    out.push(format!(
        "{:<14}{}",
        "L ↓ / I →",
        (1u8..=5)
            .map(|i| format!("{:<W$}", format!("{i} {}", scale_label(i))))
            .collect::<String>()
            .trim_end()
    ));
    for l in (1u8..=5).rev() {
        let cells: String = (1u8..=5)
            .map(|i| {
                let level = grid.level(l, i);
                let nist = GRID[usize::from(5 - l)][usize::from(i - 1)];
                let mark = if level == nist { "" } else { "*" };
                format!("{:<W$}", format!("{}{mark}", level.label()))
            })
            .collect();
        out.push(format!(
            "{:<14}{}",
            format!("{l} {}", scale_label(l)),
            cells.trim_end()
        ));
    }
    out
}

/// `medsec risk grid [--set L,I=LEVEL ...] [--reset]`: prints the grid; with changes, saves
/// them first and says how many findings change level.
pub(in crate::cli) fn run(wb: &mut Workbook, sets: &[String], reset: bool) -> Result<(), CliError> {
    let cells = sets
        .iter()
        .map(|s| parse_cell(s))
        .collect::<Result<Vec<_>, _>>()?;
    let before = wb.risk_grid();
    let mut grid = if reset { RiskGrid::default() } else { before };
    for (l, i, level) in &cells {
        grid.set(*l, *i, *level);
    }
    let changed = grid != before;
    let moved = if changed {
        let old: Vec<_> = Register::load(wb)?
            .findings
            .iter()
            .map(|f| {
                (
                    f.entry.id,
                    f.target.clone(),
                    f.control.id.clone(),
                    f.level(),
                )
            })
            .collect();
        wb.set_risk_grid(grid)?;
        let new = Register::load(wb)?;
        new.findings
            .iter()
            .filter(|f| {
                old.iter().any(|(id, t, c, lv)| {
                    *id == f.entry.id && *t == f.target && *c == f.control.id && *lv != f.level()
                })
            })
            .count()
    } else {
        0
    };
    let source = if grid.is_nist() {
        "NIST SP 800-30 Rev. 1, Appendix I, Table I-2".to_string()
    } else {
        let edited = (1u8..=5)
            .flat_map(|l| (1u8..=5).map(move |i| (l, i)))
            .filter(|&(l, i)| grid.level(l, i) != GRID[usize::from(5 - l)][usize::from(i - 1)])
            .count();
        format!("edited: {edited} of 25 cells (*) differ from NIST SP 800-30 Rev. 1 Table I-2")
    };
    say!("Risk level grid ({source})");
    say!("Likelihood (L) down, impact (I) across; medsec risk grid --help to edit it.");
    for line in table(&grid) {
        say!("{line}");
    }
    if changed {
        say!(
            "saved; {moved} finding{} changed level (due dates that follow the level move with it)",
            if moved == 1 { "" } else { "s" }
        );
    } else if !cells.is_empty() || reset {
        say!("nothing changed: the grid already had these levels");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_parse_with_names_or_abbreviations() -> Result<(), String> {
        let ok = |t: &str| parse_cell(t).map_err(|e| e.message);
        assert_eq!(ok("5,3=High")?, (5, 3, RiskLevel::High));
        assert_eq!(ok(" 1 , 5 = very-low ")?, (1, 5, RiskLevel::VeryLow));
        assert_eq!(ok("2,2=VH")?, (2, 2, RiskLevel::VeryHigh));
        for bad in [
            "5,3",
            "5=High",
            "6,3=High",
            "0,3=High",
            "5,3=Severe",
            "a,b=H",
        ] {
            assert!(parse_cell(bad).is_err_and(|e| e.code == 2), "{bad}");
        }
        Ok(())
    }

    #[test]
    fn the_table_marks_edited_cells() {
        let mut grid = RiskGrid::default();
        assert!(!table(&grid).concat().contains('*'));
        grid.set(5, 3, RiskLevel::High);
        let lines = table(&grid);
        assert_eq!(lines.len(), 6);
        assert!(lines[1].starts_with("5 Very High"), "{}", lines[1]);
        assert!(lines[1].contains("High*"), "{}", lines[1]);
        assert_eq!(lines.concat().matches('*').count(), 1);
        assert!(lines.iter().all(|l| l.chars().count() <= 80));
    }
}
