//! The text reader: an MDS2 held as text, such as the form's text copied out of a PDF or a web
//! page into a `.txt` or `.md` file (MDS2.md "Importer design" 6).
//!
//! A question is a line that starts with its ID (after spaces, `|`, `*`, `-` or a quote),
//! followed by `:`, `,`, a tab or a space, the question (quoted or not) and the answer on the
//! same line. The answer is the first answer word (`Yes`, `No`, `N/A`, `See Note`, `Hidden`, see
//! [`parse_answer`]) that follows a `:` outside quotes, or a `?`; the text after it is the note
//! (`Yes, optional` → note `optional`). A line ending in a placeholder (`____`) is Blank. The DOC
//! lines give their value after the question and a `:` (`DOC-1:Manufacturer Name:Acme`).
//! Markdown table rows (`| DOC-1 | Manufacturer Name | Acme | |`) are read cell by cell.
//! `Note N: text` lines anywhere resolve `See Note N`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::ids::parse_question_id;
use super::sheet::{compose_note, is_free_text_doc};
use super::{
    Collected, Mds2Answer, Mds2Document, Mds2Error, Mds2Row, Mds2Source, parse_answer,
    parse_release_date,
};
use crate::import::sheet::Limits;

static LINE_ID: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"^[\s|*>\-"“]*([A-Za-z]{3,5}-\d+(?:\.\d+)*)\s*["”]?\s*(?:[:,;\t|]|\s)"#).ok()
});
static NOTE_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)^[\s|*\-]*note\s*#?\s*(\d{1,3})\s*[:.)|\-]\s*(.+)$").ok());
static PLACEHOLDER_END: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"_{2,}[\s,]*$").ok());

/// Reads the questions of an MDS2 held as text.
pub(super) fn read(text: &str, path: &Path, limits: &Limits) -> Result<Mds2Document, Mds2Error> {
    let mut collected = Collected::new();
    let mut notes = BTreeMap::new();
    let mut lines: Vec<(usize, String, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let chars = line.chars().count();
        if chars > limits.max_text_chars {
            return Err(Mds2Error::LineTooLong {
                path: path.to_path_buf(),
                line: i + 1,
                chars,
                limit: limits.max_text_chars,
            });
        }
        collected.saw_text(line);
        if let Some(c) = NOTE_LINE.as_ref().and_then(|re| re.captures(line))
            && let Some(n) = c.get(1).and_then(|m| m.as_str().parse::<u32>().ok())
        {
            let body = c
                .get(2)
                .map_or("", |m| m.as_str())
                .trim()
                .trim_end_matches('|')
                .trim();
            if !body.is_empty() {
                notes.entry(n).or_insert_with(|| body.to_string());
            }
            continue;
        }
        let Some(c) = LINE_ID.as_ref().and_then(|re| re.captures(line)) else {
            continue;
        };
        let (Some(id), Some(whole)) = (c.get(1), c.get(0)) else {
            continue;
        };
        let rest = line.get(whole.end()..).unwrap_or("");
        lines.push((i + 1, id.as_str().to_string(), rest.to_string()));
    }
    let mut release_date: Option<NaiveDate> = None;
    for (number, id_text, rest) in lines {
        let Some(q) = parse_question_id(&id_text) else {
            continue;
        };
        let table = rest.contains('|');
        let (raw, note_cell) = if table {
            table_answer(&rest)
        } else {
            (line_answer(&rest, &q.id), String::new())
        };
        let (mut answer, qualifier) = parse_answer(&raw);
        if q.id == "DOC-7" {
            release_date = parse_release_date(&raw);
        }
        if q.section == "DOC"
            && is_free_text_doc(&q.id)
            && !matches!(answer, Mds2Answer::Hidden | Mds2Answer::Blank)
        {
            answer = Mds2Answer::Other(raw.trim().trim_matches('"').trim().to_string());
        }
        let mut flag = q.flag.clone();
        let note = if matches!(answer, Mds2Answer::Other(_)) {
            compose_note(&raw, "", &note_cell, &notes, &mut flag)
        } else {
            compose_note(&raw, &qualifier, &note_cell, &notes, &mut flag)
        };
        collected.push(
            Mds2Row {
                question_id: q.id,
                section: q.section,
                answer,
                raw: raw.trim().to_string(),
                note,
                iec: String::new(),
                nist: String::new(),
                iso: String::new(),
                flag,
            },
            &format!("line {number}"),
        );
    }
    collected.finish(path, release_date, notes, Mds2Source::Text)
}

/// The answer part of a question line (what follows the ID and its separator).
fn line_answer(rest: &str, id: &str) -> String {
    // The first `:` or `?` outside quotes that an answer word follows.
    let mut in_quotes = false;
    for (i, ch) in rest.char_indices() {
        match ch {
            '"' | '“' | '”' => in_quotes = !in_quotes,
            ':' | '?' if !in_quotes => {
                let after = rest.get(i + ch.len_utf8()..).unwrap_or("");
                let after_trim = after
                    .trim_start()
                    .trim_start_matches(['"', ':'])
                    .trim_start();
                if !matches!(
                    parse_answer(after_trim).0,
                    Mds2Answer::Other(_) | Mds2Answer::Blank
                ) {
                    return after_trim.trim_end().to_string();
                }
            }
            _ => {}
        }
    }
    if PLACEHOLDER_END.as_ref().is_some_and(|re| re.is_match(rest)) {
        return "____".to_string();
    }
    // `Question:Value` (the DOC lines): the value after the first `:` outside quotes.
    let mut in_quotes = false;
    for (i, ch) in rest.char_indices() {
        match ch {
            '"' | '“' | '”' => in_quotes = !in_quotes,
            ':' if !in_quotes => {
                let value = rest.get(i + 1..).unwrap_or("").trim();
                let value = value.trim_end_matches(',').trim();
                if !value.is_empty() || is_free_text_doc(id) {
                    return value.to_string();
                }
            }
            _ => {}
        }
    }
    String::new()
}

/// The answer and note cells of a Markdown table row: the first cell after the question that is
/// not empty is the answer, the next the note.
fn table_answer(rest: &str) -> (String, String) {
    let cells: Vec<&str> = rest.split('|').map(str::trim).collect();
    // cells[0] is the question (the ID's `|` was consumed).
    let mut after = cells.iter().skip(1).filter(|c| !c.is_empty());
    let answer = after.next().map(|s| s.to_string()).unwrap_or_default();
    let note = after.next().map(|s| s.to_string()).unwrap_or_default();
    (answer, note)
}
