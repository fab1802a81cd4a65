//! The report of an import, per sheet (or per part of a JSON file): what it adds, what it
//! changes (old → new, with the cell), how many rows stay unchanged, what it ignores and what it
//! rejects (with the cell and the reason). A dry run prints it; a real run applies exactly the
//! rows it counts as added or changed.

use std::fmt;

use crate::import::changeset::Origin;

/// What a line of the report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A new device or a new answer (or register entry).
    Added,
    /// One value that changes, old → new.
    Changed,
    /// Something in the file that is not applied: a derived column edited, a sheet or column
    /// the import does not read, a grid edit without `--with-matrix`.
    Ignored,
    /// A row (or the file) that cannot be applied, and why.
    Rejected,
}

impl LineKind {
    /// The word printed: `added`, `changed`, `ignored`, `rejected`.
    pub fn label(self) -> &'static str {
        match self {
            LineKind::Added => "added",
            LineKind::Changed => "changed",
            LineKind::Ignored => "ignored",
            LineKind::Rejected => "rejected",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLine {
    /// What it says.
    pub kind: LineKind,
    /// The cell, row, sheet or JSON pointer it is about.
    pub origin: Origin,
    /// Whom it is about: `DEV-0003 ENC-03`, `MODEL:Baxter/Sigma ENC-01`, `new device`, or `""`.
    pub subject: String,
    /// `Response: No → Yes`, `Owner "J. Smith": edited on the Risk Register, not here`, or the
    /// reason of a rejection.
    pub detail: String,
}

/// The report of one sheet (or one part of a JSON file: `devices`, `answers`, `risks`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetReport {
    /// The sheet's name as in the file.
    pub name: String,
    /// Rows that add a device, an answer or a register entry.
    pub added: usize,
    /// Rows that change something stored.
    pub changed: usize,
    /// Rows that match what is stored.
    pub unchanged: usize,
    /// Rows (or whole sheets, columns) that are rejected.
    pub rejected: usize,
    /// The lines, in file order.
    pub lines: Vec<PlanLine>,
}

impl SheetReport {
    /// Ignored lines.
    pub fn ignored(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| l.kind == LineKind::Ignored)
            .count()
    }
}

/// Counts over the whole file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Rows that add something.
    pub added: usize,
    /// Rows that change something.
    pub changed: usize,
    /// Rows that match what is stored.
    pub unchanged: usize,
    /// Ignored lines.
    pub ignored: usize,
    /// Rejected rows.
    pub rejected: usize,
}

impl fmt::Display for Totals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} added, {} changed, {} unchanged, {} ignored, {} rejected",
            self.added, self.changed, self.unchanged, self.ignored, self.rejected
        )
    }
}

/// The whole report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Per sheet, in the order the file holds them.
    pub sheets: Vec<SheetReport>,
    /// Things worth knowing that change nothing (an unmarked file, another catalog version).
    pub warnings: Vec<String>,
    /// Rows of sheets not edited since the export that differ from the workbook, per sheet
    /// (listed as one ignored line a sheet when planning ends).
    pub(super) untouched: std::collections::BTreeMap<String, usize>,
}

impl Report {
    /// Counts over every sheet.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for s in &self.sheets {
            t.added += s.added;
            t.changed += s.changed;
            t.unchanged += s.unchanged;
            t.ignored += s.ignored();
            t.rejected += s.rejected;
        }
        t
    }

    /// Every line of one kind, sheet by sheet.
    pub fn lines_of(&self, kind: LineKind) -> impl Iterator<Item = &PlanLine> {
        self.sheets
            .iter()
            .flat_map(|s| &s.lines)
            .filter(move |l| l.kind == kind)
    }

    /// The report as text: per sheet a count line, then its lines indented; then warnings.
    /// Values from the file are not escaped here (the CLI escapes control characters).
    pub fn render(&self) -> String {
        let mut out = String::new();
        for s in &self.sheets {
            out.push_str(&format!(
                "{}: {} added, {} changed, {} unchanged, {} ignored, {} rejected\n",
                s.name,
                s.added,
                s.changed,
                s.unchanged,
                s.ignored(),
                s.rejected
            ));
            for l in &s.lines {
                let mut line = format!("  {:<8} {}", l.kind.label(), l.origin);
                for part in [&l.subject, &l.detail] {
                    if !part.is_empty() {
                        line.push(' ');
                        line.push_str(part);
                    }
                }
                out.push_str(&line);
                out.push('\n');
            }
        }
        for w in &self.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        out
    }

    /// Counts a row of a sheet not edited since the export whose changes are dropped.
    pub(super) fn note_untouched(&mut self, origin: &Origin) {
        *self.untouched.entry(sheet_of(origin)).or_default() += 1;
    }

    /// The report of `sheet`, made (at the end) the first time it is named.
    pub(super) fn sheet_mut(&mut self, sheet: &str) -> &mut SheetReport {
        let i = match self.sheets.iter().position(|s| s.name == sheet) {
            Some(i) => i,
            None => {
                self.sheets.push(SheetReport {
                    name: sheet.to_string(),
                    ..SheetReport::default()
                });
                self.sheets.len() - 1
            }
        };
        &mut self.sheets[i]
    }

    /// A line that belongs to no row (a reader's problem, an ignored sheet or column, a matrix
    /// cell). A rejected one counts as a rejected row of its sheet.
    pub(super) fn line(&mut self, kind: LineKind, origin: Origin, subject: &str, detail: String) {
        let sheet = self.sheet_mut(&sheet_of(&origin));
        if kind == LineKind::Rejected {
            sheet.rejected += 1;
        }
        sheet.lines.push(PlanLine {
            kind,
            origin,
            subject: subject.to_string(),
            detail,
        });
    }
}

/// The sheet an origin belongs to: its sheet name, or the first step of a JSON pointer
/// (`/answers/3/response` → `answers`), or `file`.
pub(super) fn sheet_of(origin: &Origin) -> String {
    match origin {
        Origin::Cell { sheet, .. } | Origin::Row { sheet, .. } | Origin::Sheet { sheet } => {
            sheet.to_string()
        }
        Origin::Json { pointer } => pointer
            .trim_start_matches('/')
            .split('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("file")
            .to_string(),
        Origin::File => "file".to_string(),
    }
}

/// What happens to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RowOutcome {
    /// It adds a device, an answer or an entry.
    Added,
    /// It changes something stored.
    Changed,
    /// Nothing to do.
    Unchanged,
    /// Not applied.
    Rejected,
}

/// The lines of one row, collected before the row's outcome is known: a rejected row shows only
/// why (and what it ignores), never the changes it would have made.
pub(super) struct RowLines {
    origin: Origin,
    subject: String,
    adds: bool,
    added: Vec<String>,
    changed: Vec<PlanLine>,
    ignored: Vec<PlanLine>,
    rejected: Vec<PlanLine>,
}

impl RowLines {
    /// The lines of the row at `origin` about `subject`; `adds` when the row makes something
    /// new (its values are then listed on one `added` line).
    pub(super) fn new(origin: Origin, subject: String, adds: bool) -> RowLines {
        RowLines {
            origin,
            subject,
            adds,
            added: Vec::new(),
            changed: Vec::new(),
            ignored: Vec::new(),
            rejected: Vec::new(),
        }
    }

    /// The subject, for messages.
    pub(super) fn subject(&self) -> &str {
        &self.subject
    }

    /// Changes the subject (once the row's target is known).
    pub(super) fn set_subject(&mut self, subject: String) {
        self.subject = subject;
    }

    /// Marks the row as one that adds something.
    pub(super) fn set_adds(&mut self) {
        self.adds = true;
    }

    /// A value that changes: `Field: old → new` (or, on a row that adds, `Field new`).
    pub(super) fn change(&mut self, origin: &Origin, field: &str, old: &str, new: &str) {
        if self.adds {
            self.added.push(format!("{field} {new}"));
        } else {
            self.changed.push(self.line(
                LineKind::Changed,
                origin,
                format!("{field}: {old} → {new}"),
            ));
        }
    }

    /// A change described in words (`Suggestion confirmed`).
    pub(super) fn note(&mut self, origin: &Origin, detail: String) {
        if self.adds {
            self.added.push(detail);
        } else {
            self.changed
                .push(self.line(LineKind::Changed, origin, detail));
        }
    }

    /// Something in the row that is not applied.
    pub(super) fn ignore(&mut self, origin: &Origin, detail: String) {
        let line = self.line(LineKind::Ignored, origin, detail);
        self.ignored.push(line);
    }

    /// Why the row cannot be applied.
    pub(super) fn reject(&mut self, origin: &Origin, detail: String) {
        let line = self.line(LineKind::Rejected, origin, detail);
        self.rejected.push(line);
    }

    /// Forgets the row's changes (a row that turns out to apply nothing).
    pub(super) fn drop_changes(&mut self) {
        self.added.clear();
        self.changed.clear();
    }

    /// Whether anything rejected the row.
    pub(super) fn is_rejected(&self) -> bool {
        !self.rejected.is_empty()
    }

    /// Whether the row changes or adds anything.
    pub(super) fn has_changes(&self) -> bool {
        !self.added.is_empty() || !self.changed.is_empty()
    }

    fn line(&self, kind: LineKind, origin: &Origin, detail: String) -> PlanLine {
        PlanLine {
            kind,
            origin: origin.clone(),
            subject: self.subject.clone(),
            detail,
        }
    }

    /// Adds the row's lines and its count to the report; returns its outcome.
    /// Ends a row that stops early (skipped or rejected): its lines go to `report`, and these
    /// lines start empty again.
    pub(super) fn close(&mut self, report: &mut Report) {
        let origin = self.origin.clone();
        std::mem::replace(self, RowLines::new(origin, String::new(), false)).finish(report);
    }

    pub(super) fn finish(self, report: &mut Report) -> RowOutcome {
        let sheet = report.sheet_mut(&sheet_of(&self.origin));
        let outcome = if !self.rejected.is_empty() {
            sheet.rejected += 1;
            sheet.lines.extend(self.rejected);
            RowOutcome::Rejected
        } else if !self.added.is_empty() {
            sheet.added += 1;
            sheet.lines.push(PlanLine {
                kind: LineKind::Added,
                origin: self.origin,
                subject: self.subject,
                detail: self.added.join(", "),
            });
            sheet.lines.extend(self.changed);
            RowOutcome::Added
        } else if !self.changed.is_empty() {
            sheet.changed += 1;
            sheet.lines.extend(self.changed);
            RowOutcome::Changed
        } else {
            sheet.unchanged += 1;
            RowOutcome::Unchanged
        };
        sheet.lines.extend(self.ignored);
        outcome
    }
}

/// A value as the report shows it: `(blank)`, or list values and numbers as they are, free text
/// quoted and clipped.
pub(super) fn shown(text: &str, quoted: bool) -> String {
    if text.trim().is_empty() {
        "(blank)".to_string()
    } else if quoted {
        super::values::quote(text)
    } else {
        text.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(sheet: &str, row: u32, col: u16) -> Origin {
        Origin::Cell {
            sheet: sheet.into(),
            row,
            col,
        }
    }

    #[test]
    fn a_rejected_row_shows_only_why() {
        let mut report = Report::default();
        let mut row = RowLines::new(
            Origin::Row {
                sheet: "3 Encryption".into(),
                row: 12,
            },
            "DEV-0003 ENC-03".into(),
            false,
        );
        row.change(&cell("3 Encryption", 12, 7), "Response", "No", "Yes");
        row.reject(
            &cell("3 Encryption", 12, 16),
            "\"high\" is not a whole number".into(),
        );
        assert_eq!(row.finish(&mut report), RowOutcome::Rejected);
        let mut ok = RowLines::new(
            Origin::Row {
                sheet: "3 Encryption".into(),
                row: 13,
            },
            "DEV-0003 ENC-04".into(),
            false,
        );
        ok.change(&cell("3 Encryption", 13, 7), "Response", "No", "Yes");
        ok.ignore(
            &cell("3 Encryption", 13, 22),
            "Owner: edit it on the Risk Register".into(),
        );
        assert_eq!(ok.finish(&mut report), RowOutcome::Changed);
        let text = report.render();
        assert!(
            text.starts_with(
                "3 Encryption: 0 added, 1 changed, 0 unchanged, 1 ignored, 1 rejected\n"
            )
        );
        assert!(
            text.contains("  changed  '3 Encryption'!H13 DEV-0003 ENC-04 Response: No → Yes\n")
        );
        assert!(text.contains("  rejected '3 Encryption'!Q12 DEV-0003 ENC-03 \"high\""));
        assert!(!text.contains("H12"), "{text}");
        assert_eq!(
            report.totals().to_string(),
            "0 added, 1 changed, 0 unchanged, 1 ignored, 1 rejected"
        );
    }

    #[test]
    fn json_pointers_group_by_their_first_step() {
        assert_eq!(
            sheet_of(&Origin::Json {
                pointer: "/answers/3/response".into()
            }),
            "answers"
        );
        assert_eq!(sheet_of(&Origin::File), "file");
    }
}
