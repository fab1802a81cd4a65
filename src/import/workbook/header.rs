//! A sheet's header row → the column of each known header. Columns are matched by their header
//! text (trimmed, runs of white space as one space, case-insensitive), never by position, so a
//! copy whose columns were moved reads the same; a column the template does not have is listed
//! as ignored, a known column that appears twice is a problem when the import reads it.

use std::collections::HashMap;

use super::cells::{SheetView, cell_text};
use crate::import::changeset::{Ignored, Problem};
use crate::import::sheet::{Row, column_letter};

/// A header as compared: trimmed, white space collapsed, lower case.
pub(super) fn fold(header: &str) -> String {
    header
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A column the template has on this sheet.
#[derive(Debug, Clone, Copy)]
pub(super) struct Expected<'h> {
    /// The header as the export writes it.
    pub(super) header: &'h str,
    /// Whether the import reads the column (a key or an applied column): a duplicate of it is
    /// a problem, a duplicate of a derived column is only ignored.
    pub(super) read: bool,
}

/// Where the known columns are on one sheet.
#[derive(Debug)]
pub(super) struct Header {
    /// The header row (1-based): the first row holding a value.
    pub(super) row: usize,
    /// For each expected column, in the order given, its 0-based column in the file.
    pub(super) cols: Vec<Option<usize>>,
    /// Columns whose header starts with the extra prefix (`extra: `): column and the header
    /// after the prefix, trimmed.
    pub(super) extra: Vec<(usize, String)>,
}

impl Header {
    /// The file column of expected column `i`.
    pub(super) fn col(&self, i: usize) -> Option<usize> {
        self.cols.get(i).copied().flatten()
    }

    /// Whether the file column `col` is one of the known or extra columns.
    pub(super) fn knows(&self, col: usize) -> bool {
        self.cols.contains(&Some(col)) || self.extra.iter().any(|(c, _)| *c == col)
    }

    /// The rows below the header that hold a value (or a formula) in a known or extra column;
    /// empty rows, and rows holding values only in ignored columns, are skipped.
    pub(super) fn data_rows<'v>(
        &'v self,
        view: &'v SheetView<'_>,
    ) -> impl Iterator<Item = &'v Row> {
        view.content
            .rows
            .iter()
            .filter(move |r| r.number > self.row)
            .filter(move |r| {
                r.cells.iter().any(|c| {
                    self.knows(c.col) && (!c.value.is_blank() || view.has_formula(r.number, c.col))
                })
            })
    }
}

/// Maps the header row of `view` onto `expected` (and, with `extra_prefix`, the columns whose
/// header starts with it). Unknown headers and columns holding values without a header are
/// pushed to `ignored`; a second column with the header of a read column to `problems` (the
/// first one is used either way). `None` for a sheet without any value.
pub(super) fn map_header(
    view: &SheetView<'_>,
    expected: &[Expected<'_>],
    extra_prefix: Option<&str>,
    ignored: &mut Vec<Ignored>,
    problems: &mut Vec<Problem>,
) -> Option<Header> {
    let first: &Row = view.content.rows.first()?;
    let wanted: HashMap<String, usize> = expected
        .iter()
        .enumerate()
        .map(|(i, e)| (fold(e.header), i))
        .collect();
    let prefix = extra_prefix.map(fold);
    let mut header = Header {
        row: first.number,
        cols: vec![None; expected.len()],
        extra: Vec::new(),
    };
    for cell in &first.cells {
        let text = cell_text(&cell.value).unwrap_or_else(|code| code);
        let folded = fold(&text);
        if folded.is_empty() {
            continue;
        }
        let origin = view.cell(first.number, cell.col);
        if let Some(&i) = wanted.get(&folded) {
            let (Some(slot), Some(e)) = (header.cols.get_mut(i), expected.get(i)) else {
                continue;
            };
            match slot {
                None => *slot = Some(cell.col),
                Some(first_col) => {
                    let reason = format!(
                        "a second \"{}\" column (the first is column {}); delete one of them",
                        e.header,
                        column_letter(*first_col)
                    );
                    if e.read {
                        problems.push(Problem { origin, reason });
                    } else {
                        ignored.push(Ignored { origin, reason });
                    }
                }
            }
        } else if let Some(rest) = prefix.as_deref().and_then(|p| extra_rest(&text, p)) {
            header.extra.push((cell.col, rest));
        } else {
            ignored.push(Ignored {
                origin,
                reason: format!("unknown column \"{}\"", text.trim()),
            });
        }
    }
    // Values in a column without a header cannot be placed.
    let mut headless: Vec<usize> = Vec::new();
    for row in view.content.rows.iter().skip(1) {
        for cell in &row.cells {
            if !cell.value.is_blank()
                && first.get(cell.col).is_blank()
                && !headless.contains(&cell.col)
            {
                headless.push(cell.col);
            }
        }
    }
    headless.sort_unstable();
    for col in headless {
        ignored.push(Ignored {
            origin: view.cell(first.number, col),
            reason: format!(
                "column {} holds values but has no header",
                column_letter(col)
            ),
        });
    }
    Some(header)
}

/// The header text after the extra prefix, trimmed (`extra: Cost centre` → `Cost centre`);
/// `folded_prefix` is the prefix as [`fold`] gives it (`extra:`). `None` when the text does not
/// start with it or nothing follows it.
fn extra_rest(text: &str, folded_prefix: &str) -> Option<String> {
    let text = text.trim_start();
    let head = text.get(..folded_prefix.len())?;
    if head.to_lowercase() != folded_prefix {
        return None;
    }
    let rest = text.get(folded_prefix.len()..)?.trim();
    (!rest.is_empty()).then(|| rest.to_string())
}

/// Maps the header row of a sheet laid out as `columns` (a layout table of
/// [`crate::export::layout`]), `read(i)` saying whether column `i` is read, and checks that every
/// column in `keys` is there: a missing one is a problem on the header row ("no "Control ID"
/// column …; the rows cannot be matched`matched_to`"). `None` when the sheet has no value or a
/// key column is missing (its rows cannot be read then).
pub(super) fn map_keyed_header(
    view: &SheetView<'_>,
    columns: &[crate::export::layout::Column],
    read: fn(usize) -> bool,
    keys: &[u16],
    matched_to: &str,
    out: &mut crate::import::changeset::Changeset,
) -> Option<Header> {
    let expected: Vec<Expected<'_>> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| Expected {
            header: &c.header,
            read: read(i),
        })
        .collect();
    let header = map_header(view, &expected, None, &mut out.ignored, &mut out.problems)?;
    let mut missing = false;
    for &key in keys {
        if header.col(usize::from(key)).is_none() {
            missing = true;
            let name = columns.get(usize::from(key)).map_or("", |c| &c.header);
            out.problems.push(Problem {
                origin: view.row(header.row),
                reason: format!(
                    "no \"{name}\" column in the header row; the rows cannot be matched{matched_to}"
                ),
            });
        }
    }
    (!missing).then_some(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_fold_and_extra_prefixes_split() {
        assert_eq!(fold("  Likelihood   (1-5) "), "likelihood (1-5)");
        assert_eq!(fold("RESPONSE"), "response");
        let prefix = fold("extra: ");
        assert_eq!(prefix, "extra:");
        assert_eq!(
            extra_rest("extra: Cost centre", &prefix),
            Some("Cost centre".into())
        );
        assert_eq!(
            extra_rest("  EXTRA:   Cost  centre ", &prefix),
            Some("Cost  centre".into())
        );
        assert_eq!(extra_rest("extra:Cost", &prefix), Some("Cost".into()));
        assert_eq!(extra_rest("extra: ", &prefix), None);
        assert_eq!(extra_rest("Extras", &prefix), None);
    }
}
