//! The note popup: a small text field for the selected control's note. Enter saves (one
//! commit), Esc cancels. Typed and pasted text may hold any Unicode (wide characters count two
//! columns); control characters are kept out of typed text and shown escaped when a stored note
//! has them. When opened by N/A, saving sets N/A together with the note.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::assessment::{NOTE_LIMIT_UTF16, Response};
use crate::catalog::Control;
use crate::tui::action::Action;
use crate::tui::answer;
use crate::tui::app::{App, Overlay};
use crate::tui::layout;
use crate::tui::text;
use crate::workbook::AnswerInput;

/// Text rows the popup shows at most (it scrolls to keep the cursor in view).
const MAX_ROWS: usize = 6;

/// The note being edited.
#[derive(Debug, Clone)]
pub struct NoteEditor {
    /// The control whose note this is.
    pub control: &'static Control,
    /// The text.
    pub text: String,
    /// Cursor as a byte index into `text`, always on a character boundary.
    pub cursor: usize,
    /// The note as it was, to skip a commit when nothing changed.
    original: String,
    /// A response to set together with the note when it is saved (N/A needs a note).
    pub then: Option<Response>,
}

impl NoteEditor {
    /// An editor on `text` with the cursor at the end.
    pub fn new(control: &'static Control, text: String, then: Option<Response>) -> NoteEditor {
        NoteEditor {
            control,
            cursor: text.len(),
            original: text.clone(),
            text,
            then,
        }
    }

    fn prev_boundary(&self) -> usize {
        self.text[..self.cursor]
            .char_indices()
            .next_back()
            .map(|(i, _)| i)
            .unwrap_or(0)
    }

    fn next_boundary(&self) -> usize {
        self.text[self.cursor..]
            .chars()
            .next()
            .map(|c| self.cursor + c.len_utf8())
            .unwrap_or(self.cursor)
    }

    /// Inserts typed or pasted text at the cursor. Line breaks and tabs become spaces, other
    /// control characters are dropped. Refused (returns `false`) when the note would pass its
    /// limit of 32,767 UTF-16 units.
    pub fn insert(&mut self, input: &str) -> bool {
        let clean: String = input
            .replace("\r\n", " ")
            .chars()
            .filter_map(|c| match c {
                '\n' | '\r' | '\t' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect();
        let units = self.text.encode_utf16().count() + clean.encode_utf16().count();
        if units > NOTE_LIMIT_UTF16 {
            return false;
        }
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
        true
    }

    /// Applies an editing action; `false` when the action is not an edit.
    fn edit(&mut self, action: &Action) -> bool {
        match action {
            Action::CursorLeft => self.cursor = self.prev_boundary(),
            Action::CursorRight => self.cursor = self.next_boundary(),
            Action::CursorStart => self.cursor = 0,
            Action::CursorEnd => self.cursor = self.text.len(),
            Action::DeleteBack => {
                let start = self.prev_boundary();
                self.text.replace_range(start..self.cursor, "");
                self.cursor = start;
            }
            Action::DeleteForward => {
                let end = self.next_boundary();
                self.text.replace_range(self.cursor..end, "");
            }
            Action::ClearText => {
                self.text.clear();
                self.cursor = 0;
            }
            _ => return false,
        }
        true
    }

    /// The text laid out in rows of `cols` columns (control characters escaped), and the
    /// cursor's (row, column).
    fn rows(&self, cols: usize) -> (Vec<String>, (usize, usize)) {
        let cols = cols.max(2);
        let mut rows = vec![String::new()];
        let mut used = 0;
        let mut cursor = None;
        let mut buf = [0u8; 4];
        for (i, c) in self.text.char_indices() {
            let shown = text::sanitize(c.encode_utf8(&mut buf)).into_owned();
            let w = text::width(&shown);
            if used + w > cols {
                rows.push(String::new());
                used = 0;
            }
            if i == self.cursor {
                cursor = Some((rows.len() - 1, used));
            }
            if let Some(last) = rows.last_mut() {
                last.push_str(&shown);
            }
            used += w;
        }
        let cursor = cursor.unwrap_or_else(|| {
            if used >= cols {
                rows.push(String::new());
                (rows.len() - 1, 0)
            } else {
                (rows.len() - 1, used)
            }
        });
        (rows, cursor)
    }
}

/// Acts on the note popup: edit, save (commit) or cancel.
pub fn update(app: &mut App, action: Action) {
    let Some(Overlay::Note(editor)) = &mut app.overlay else {
        return;
    };
    match action {
        Action::InsertText(t) => {
            if !editor.insert(&t) {
                app.error(format!(
                    "The note is at its limit of {NOTE_LIMIT_UTF16} UTF-16 units (a spreadsheet cell)"
                ));
            }
        }
        Action::Back => {
            let na = editor.then == Some(Response::NotApplicable);
            app.overlay = None;
            if na {
                app.info("N/A not set: it needs a note saying why");
            } else {
                app.info("Note not changed");
            }
        }
        Action::Submit => submit(app),
        other => {
            editor.edit(&other);
        }
    }
}

fn submit(app: &mut App) {
    let Some(Overlay::Note(editor)) = &app.overlay else {
        return;
    };
    let editor = editor.clone();
    if editor.then == Some(Response::NotApplicable) && editor.text.trim().is_empty() {
        app.error("N/A needs a note saying why the control does not apply (Esc cancels)");
        return;
    }
    if editor.then.is_none() && editor.text == editor.original {
        app.overlay = None;
        return;
    }
    let input = AnswerInput {
        response: editor.then.map(Some),
        note: Some(editor.text.clone()),
        ..AnswerInput::default()
    };
    match answer::commit(app, editor.control, &input) {
        Ok(()) => {
            app.overlay = None;
            if editor.then.is_some() {
                let last = app.outline.controls.len().saturating_sub(1);
                app.control_cursor.selected = (app.control_cursor.selected + 1).min(last);
                crate::tui::screens::checklist::keep_in_view(app);
            }
        }
        // The popup stays open so that nothing typed is lost.
        Err(e) => app.error(e.to_string()),
    }
}

/// Draws the popup and places the terminal cursor in it.
pub fn render(app: &App, frame: &mut Frame, editor: &NoteEditor) {
    let theme = app.theme;
    let body = layout::chrome(frame.area()).body;
    let width = body.width.saturating_sub(4).min(72);
    let cols = usize::from(width.saturating_sub(4)).max(2);
    let (rows, (cursor_row, cursor_col)) = editor.rows(cols);
    let shown = rows.len().clamp(1, MAX_ROWS);
    let prompt = match editor.then {
        Some(Response::NotApplicable) => Some("N/A needs a note: why does this control not apply?"),
        _ => None,
    };
    let height = u16::try_from(shown + 2 + usize::from(prompt.is_some())).unwrap_or(u16::MAX);
    let popup = layout::popup(body, width, height);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(
            format!(" Note · {} ", editor.control.id),
            theme.title(),
        ));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let inner = Rect {
        x: inner.x + 1.min(inner.width),
        width: inner.width.saturating_sub(1),
        ..inner
    };
    let first = (cursor_row + 1).saturating_sub(shown);
    let mut lines: Vec<Line<'_>> = Vec::new();
    if let Some(p) = prompt {
        lines.push(Line::styled(p, theme.dim()));
    }
    lines.extend(
        rows.iter()
            .skip(first)
            .take(shown)
            .map(|r| Line::raw(r.as_str())),
    );
    frame.render_widget(Paragraph::new(Text::from(lines)), inner);
    let x = inner.x + u16::try_from(cursor_col).unwrap_or(u16::MAX);
    let y = inner.y
        + u16::from(prompt.is_some())
        + u16::try_from(cursor_row - first).unwrap_or(u16::MAX);
    if inner.contains(Position::new(x, y)) {
        frame.set_cursor_position(Position::new(x, y));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;

    fn editor(text: &str) -> Option<NoteEditor> {
        let control = catalog().control("ENC-01")?;
        Some(NoteEditor::new(control, text.to_string(), None))
    }

    #[test]
    fn edits_by_character_not_byte() {
        let Some(mut e) = editor("Dräger") else {
            panic!("catalog has ENC-01");
        };
        e.edit(&Action::CursorLeft);
        e.edit(&Action::CursorLeft);
        e.edit(&Action::CursorLeft);
        e.edit(&Action::DeleteBack);
        assert_eq!(e.text, "Drger");
        assert!(e.insert("ä東芝"));
        assert_eq!(e.text, "Drä東芝ger");
        e.edit(&Action::DeleteForward);
        assert_eq!(e.text, "Drä東芝er");
        e.edit(&Action::CursorEnd);
        assert!(e.insert("\u{1b}[31m\r\nx\ty"));
        assert_eq!(e.text, "Drä東芝er[31m x y");
        e.edit(&Action::CursorStart);
        e.edit(&Action::DeleteBack);
        assert_eq!(e.cursor, 0);
    }

    #[test]
    fn rows_place_the_cursor_after_wide_characters() {
        let Some(mut e) = editor("東芝東芝") else {
            panic!("catalog has ENC-01");
        };
        let (rows, cursor) = e.rows(5);
        assert_eq!(rows, vec!["東芝", "東芝"]);
        assert_eq!(cursor, (1, 4));
        e.edit(&Action::CursorStart);
        assert_eq!(e.rows(5).1, (0, 0));
        let Some(e) = editor("abcd") else {
            panic!("catalog has ENC-01");
        };
        assert_eq!(e.rows(4).1, (1, 0));
        let Some(e) = editor("a\u{1b}b") else {
            panic!("catalog has ENC-01");
        };
        assert_eq!(e.rows(10).0, vec!["a␛b"]);
    }

    #[test]
    fn the_limit_is_enforced() {
        let Some(mut e) = editor(&"x".repeat(NOTE_LIMIT_UTF16)) else {
            panic!("catalog has ENC-01");
        };
        assert!(!e.insert("y"));
        assert_eq!(e.text.len(), NOTE_LIMIT_UTF16);
    }
}
