//! The spreadsheet reader: any layout of the HN 1-2019 form in `.xlsx`, `.xls` or `.ods`,
//! through the hostile-safe sheet reader (MDS2.md "Importer design" 1–3).
//!
//! Nothing is read by position. The ID column is the column holding most question IDs of known
//! sections (so stray text such as `UTF-8` or `CVE-2019` cannot decide it), on the sheet holding
//! most of them. The question column is the one with the most text on the ID rows; the answer
//! column the one with most answer words (right of the question when any is), the note column
//! the one headed "note" (else the next text column right of the answer), the reference columns
//! those headed `80001`, `800-53` and `27002`. Notes at the foot (`Note 1` | text) resolve the
//! `See Note 1` references.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::ids::{is_2013_number, parse_question_id};
use super::{
    Collected, Mds2Answer, Mds2Error, Mds2Row, Mds2Source, parse_answer, parse_release_date,
};
use crate::import::sheet::{
    CellValue, Limits, Row, SheetContent, column_letter, read_sheets_from_bytes,
};

static NOTE_LABEL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)^note\s*#?\s*(\d{1,3})\s*[:.)\-]?\s*(.*)$").ok());
static NOTE_REF: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\bsee\s+notes?\s*#?\s*(\d{1,3})").ok());

/// Reads the MDS2 on the sheet holding most question IDs.
pub(super) fn read(
    bytes: &[u8],
    path: &Path,
    limits: &Limits,
) -> Result<super::Mds2Document, Mds2Error> {
    let mut sheets: Vec<SheetContent> = Vec::new();
    let info = read_sheets_from_bytes(bytes, path, limits, &[], &mut |s| {
        if s.worksheet {
            sheets.push(s);
        }
    })?;
    let mut collected = Collected::new();
    // (sheet, column) → known-prefix IDs.
    let mut counts: HashMap<(usize, usize), usize> = HashMap::new();
    for (i, sheet) in sheets.iter().enumerate() {
        for row in &sheet.rows {
            for cell in &row.cells {
                if let CellValue::Text(t) = &cell.value {
                    collected.saw_text(t);
                    if parse_question_id(t).is_some_and(|q| q.known) {
                        *counts.entry((i, cell.col)).or_default() += 1;
                    } else if cell.col == 0 && is_2013_number(t) {
                        collected.numbered_2013 = true;
                    }
                }
            }
        }
    }
    // Most IDs wins; ties go to the first sheet, then the leftmost column.
    let best = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(k, _)| *k);
    let Some((sheet_i, id_col)) = best else {
        return collected.finish(path, None, BTreeMap::new(), Mds2Source::Text);
    };
    let Some(sheet) = sheets.get(sheet_i) else {
        return collected.finish(path, None, BTreeMap::new(), Mds2Source::Text);
    };
    let id_rows: Vec<&Row> = sheet
        .rows
        .iter()
        .filter(|r| text_of(r.get(id_col)).is_some_and(|t| parse_question_id(&t).is_some()))
        .collect();
    let first_id_row = id_rows.first().map_or(0, |r| r.number);
    let layout = Layout::find(sheet, &id_rows, id_col, first_id_row);
    let notes = foot_notes(sheet, id_col);
    let mut release_date: Option<NaiveDate> = None;
    for row in &id_rows {
        let Some(q) = text_of(row.get(id_col)).and_then(|t| parse_question_id(&t)) else {
            continue;
        };
        let cell = layout.answer.map_or(&CellValue::Empty, |c| row.get(c));
        let raw = cell.to_text().trim().to_string();
        let (mut answer, qualifier) = parse_answer(&raw);
        if q.id == "DOC-7" {
            release_date = match cell {
                CellValue::Date(d) => Some(d.date()),
                CellValue::Text(t) => parse_release_date(t),
                _ => None,
            };
        }
        // DOC fields are free text (a name, a model, a date); only their Yes/No questions
        // (DOC-8 … DOC-11.4) keep the answer words.
        if q.section == "DOC"
            && matches!(answer, Mds2Answer::No | Mds2Answer::NA)
            && is_free_text_doc(&q.id)
        {
            answer = Mds2Answer::Other(raw.clone());
        }
        let note_cell = layout
            .note
            .map(|c| row.get(c).to_text().trim().to_string())
            .unwrap_or_default();
        let mut flag = q.flag.clone();
        let note = compose_note(&raw, &qualifier, &note_cell, &notes, &mut flag);
        let reference = |c: Option<usize>| {
            c.map(|c| row.get(c).to_text().trim().to_string())
                .unwrap_or_default()
        };
        let place = format!("sheet {:?} row {}", sheet.name, row.number);
        collected.push(
            Mds2Row {
                question_id: q.id,
                section: q.section,
                answer,
                raw,
                note,
                iec: reference(layout.iec),
                nist: reference(layout.nist),
                iso: reference(layout.iso),
                flag,
            },
            &place,
        );
    }
    let letter = |c: Option<usize>| c.map(column_letter).unwrap_or_default();
    let source = Mds2Source::Sheet {
        format: info.format.name().to_string(),
        sheet: sheet.name.clone(),
        columns: [
            column_letter(id_col),
            letter(layout.answer),
            letter(layout.note),
        ],
        header_row: layout.header_row,
    };
    collected.finish(path, release_date, notes, source)
}

/// DOC questions whose answer is a name or text, not Yes/No (DOC-1 … DOC-7).
pub(super) fn is_free_text_doc(id: &str) -> bool {
    matches!(
        id,
        "DOC-1" | "DOC-2" | "DOC-3" | "DOC-4" | "DOC-5" | "DOC-6" | "DOC-7"
    )
}

/// The note of one question: the qualifier after the answer word, the note cell (unless it is
/// only a placeholder or a reference), and the text of every `See Note N` referenced in the
/// answer or the note cell (`Note N: text`). An unresolved reference is flagged.
pub(super) fn compose_note(
    raw: &str,
    qualifier: &str,
    note_cell: &str,
    notes: &BTreeMap<u32, String>,
    flag: &mut String,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut refs: Vec<u32> = Vec::new();
    for text in [raw, note_cell] {
        if let Some(re) = NOTE_REF.as_ref() {
            for c in re.captures_iter(text) {
                if let Some(n) = c.get(1).and_then(|m| m.as_str().parse().ok())
                    && !refs.contains(&n)
                {
                    refs.push(n);
                }
            }
        }
    }
    let is_ref = |t: &str| NOTE_REF.as_ref().is_some_and(|re| re.is_match(t));
    // `See Note 3` in the answer cell: the `3` is the reference, not a qualifier.
    let only_reference = is_ref(raw) && qualifier.bytes().all(|b| b.is_ascii_digit());
    if !qualifier.is_empty() && !only_reference {
        parts.push(qualifier.to_string());
    }
    let placeholder = note_cell.chars().all(|c| matches!(c, '_' | '-' | ' '));
    if !placeholder && !is_ref(note_cell) {
        parts.push(note_cell.to_string());
    }
    for n in refs {
        match notes.get(&n) {
            Some(text) => parts.push(format!("Note {n}: {text}")),
            None => {
                let missing = format!("See Note {n} has no note {n} in the file");
                if flag.is_empty() {
                    *flag = missing;
                } else {
                    flag.push_str("; ");
                    flag.push_str(&missing);
                }
            }
        }
    }
    parts.join("; ")
}

/// The columns found on the ID rows.
struct Layout {
    answer: Option<usize>,
    note: Option<usize>,
    iec: Option<usize>,
    nist: Option<usize>,
    iso: Option<usize>,
    header_row: Option<usize>,
}

impl Layout {
    fn find(sheet: &SheetContent, id_rows: &[&Row], id_col: usize, first_id_row: usize) -> Layout {
        let width = id_rows.iter().map(|r| r.width()).max().unwrap_or(0);
        // Question: the column with the most text (answer words aside) on the ID rows.
        let mut text_len = vec![0usize; width];
        let mut answer_words = vec![0usize; width];
        for row in id_rows {
            for cell in &row.cells {
                if cell.col == id_col || cell.col >= width {
                    continue;
                }
                let t = cell.value.to_text();
                match parse_answer(&t).0 {
                    Mds2Answer::Other(_) => {
                        if let Some(slot) = text_len.get_mut(cell.col) {
                            *slot += t.chars().count();
                        }
                    }
                    Mds2Answer::Blank => {}
                    _ => {
                        if let Some(slot) = answer_words.get_mut(cell.col) {
                            *slot += 1;
                        }
                    }
                }
            }
        }
        let question = (0..width)
            .filter(|c| *c != id_col)
            .max_by_key(|c| (text_len.get(*c).copied().unwrap_or(0), usize::MAX - c));
        let best_answer = |range: &mut dyn Iterator<Item = usize>| {
            range
                .filter(|c| Some(*c) != question && *c != id_col)
                .filter(|c| answer_words.get(*c).copied().unwrap_or(0) > 0)
                .max_by_key(|c| (answer_words.get(*c).copied().unwrap_or(0), usize::MAX - c))
        };
        let right = question.map_or(0, |q| q + 1);
        let answer = best_answer(&mut (right..width)).or_else(|| best_answer(&mut (0..width)));
        // Header rows: those above the first ID row, nearest first; then every other non-ID
        // row (section headings repeat the reference headers).
        let above: Vec<&Row> = sheet
            .rows
            .iter()
            .filter(|r| r.number < first_id_row)
            .rev()
            .collect();
        let others: Vec<&Row> = sheet
            .rows
            .iter()
            .filter(|r| r.number > first_id_row && !id_rows.iter().any(|i| i.number == r.number))
            .collect();
        let header_row = above
            .iter()
            .find(|r| {
                r.cells
                    .iter()
                    .filter(|c| matches!(c.value, CellValue::Text(_)))
                    .count()
                    >= 2
            })
            .map(|r| r.number);
        let by_keyword = |keyword: &str| {
            above.iter().chain(others.iter()).find_map(|r| {
                r.cells
                    .iter()
                    .find(|c| c.value.to_text().contains(keyword))
                    .map(|c| c.col)
            })
        };
        let iec = by_keyword("80001");
        let nist = by_keyword("800-53");
        let iso = by_keyword("27002");
        let taken = |c: usize| {
            c == id_col
                || Some(c) == question
                || Some(c) == answer
                || [iec, nist, iso].contains(&Some(c))
        };
        let note = above
            .iter()
            .find_map(|r| {
                r.cells
                    .iter()
                    .find(|c| !taken(c.col) && c.value.to_text().to_lowercase().contains("note"))
                    .map(|c| c.col)
            })
            .or_else(|| {
                let start = answer.map_or(width, |a| a + 1);
                (start..width).find(|c| {
                    !taken(*c)
                        && id_rows.iter().any(
                            |r| matches!(r.get(*c), CellValue::Text(t) if !t.trim().is_empty()),
                        )
                })
            });
        Layout {
            answer,
            note,
            iec,
            nist,
            iso,
            header_row,
        }
    }
}

/// The notes at the foot of the form: rows whose cell reads `Note N` followed by a cell with
/// text (or one cell `Note N: text`), outside the ID column's questions.
fn foot_notes(sheet: &SheetContent, id_col: usize) -> BTreeMap<u32, String> {
    let mut notes = BTreeMap::new();
    let Some(re) = NOTE_LABEL.as_ref() else {
        return notes;
    };
    for row in &sheet.rows {
        if text_of(row.get(id_col)).is_some_and(|t| parse_question_id(&t).is_some()) {
            continue;
        }
        for (i, cell) in row.cells.iter().enumerate() {
            let CellValue::Text(t) = &cell.value else {
                continue;
            };
            let Some(c) = re.captures(t.trim()) else {
                continue;
            };
            let Some(n) = c.get(1).and_then(|m| m.as_str().parse::<u32>().ok()) else {
                continue;
            };
            let inline = c.get(2).map_or("", |m| m.as_str()).trim();
            let text = if inline.is_empty() {
                row.cells
                    .iter()
                    .skip(i + 1)
                    .map(|c| c.value.to_text().trim().to_string())
                    .find(|t| !t.is_empty())
                    .unwrap_or_default()
            } else {
                inline.to_string()
            };
            if !text.is_empty() {
                notes.entry(n).or_insert(text);
            }
            break;
        }
    }
    notes
}

fn text_of(value: &CellValue) -> Option<String> {
    match value {
        CellValue::Text(t) => Some(t.clone()),
        _ => None,
    }
}
