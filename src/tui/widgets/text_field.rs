//! Editable text with a cursor: the core of every text input (the note, the device form's
//! fields, the search line, the palette, a finding's planned actions, owner and dates). Typed
//! and pasted text may hold any Unicode (wide characters count two columns); line breaks and
//! tabs in it become spaces and other control characters are kept out, so nothing typed can
//! reach the terminal as a control sequence. A line break is only added on purpose
//! ([`TextField::new_line`], in texts of several lines), and [`TextField::rows`] starts a new
//! row at it.

use crate::tui::action::Action;
use crate::tui::text;

/// Text being edited and its cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextField {
    /// The text.
    pub text: String,
    /// Cursor as a byte index into `text`, always on a character boundary.
    pub cursor: usize,
    /// Most UTF-16 units the text may hold (a spreadsheet cell holds 32,767).
    pub limit_utf16: usize,
}

impl TextField {
    /// A field holding `text`, cursor at the end, at most `limit_utf16` UTF-16 units.
    pub fn new(text: impl Into<String>, limit_utf16: usize) -> TextField {
        let text = text.into();
        TextField {
            cursor: text.len(),
            text,
            limit_utf16,
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

    /// Replaces the whole text, cursor at the end.
    pub fn set(&mut self, text: impl Into<String>) {
        self.text = text.into();
        self.cursor = self.text.len();
    }

    /// Inserts typed or pasted text at the cursor. Line breaks and tabs become spaces, other
    /// control characters are dropped. When the whole text would pass the limit, as much as
    /// fits is inserted and `false` is returned (the caller says the rest was left out).
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
        let room = self
            .limit_utf16
            .saturating_sub(self.text.encode_utf16().count());
        let mut used = 0;
        let fits: String = clean
            .chars()
            .take_while(|c| {
                used += c.len_utf16();
                used <= room
            })
            .collect();
        let all = fits.len() == clean.len();
        self.text.insert_str(self.cursor, &fits);
        self.cursor += fits.len();
        all
    }

    /// Inserts a line break at the cursor (texts of several lines: notes, planned actions);
    /// `false` when the text is full.
    pub fn new_line(&mut self) -> bool {
        if self.text.encode_utf16().count() >= self.limit_utf16 {
            return false;
        }
        self.text.insert(self.cursor, '\n');
        self.cursor += 1;
        true
    }

    /// Applies an editing action (cursor moves, deletions, clear); `false` when the action is
    /// not an edit.
    pub fn edit(&mut self, action: &Action) -> bool {
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

    /// The text laid out in rows of `cols` columns (a line break starts a new row; other
    /// control characters are escaped), and the cursor's (row, column).
    pub fn rows(&self, cols: usize) -> (Vec<String>, (usize, usize)) {
        let cols = cols.max(2);
        let mut rows = vec![String::new()];
        let mut used = 0;
        let mut cursor = None;
        let mut buf = [0u8; 4];
        for (i, c) in self.text.char_indices() {
            if c == '\n' {
                if i == self.cursor {
                    cursor = Some((rows.len() - 1, used));
                }
                rows.push(String::new());
                used = 0;
                continue;
            }
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

    /// The text as one line of at most `cols` columns that keeps the cursor in view (scrolled
    /// horizontally), and the cursor's column in it.
    pub fn line(&self, cols: usize) -> (String, usize) {
        let cols = cols.max(2);
        let mut cells: Vec<(String, usize, usize)> = Vec::new(); // (shown, width, byte index)
        let mut buf = [0u8; 4];
        for (i, c) in self.text.char_indices() {
            let shown = text::sanitize(c.encode_utf8(&mut buf)).into_owned();
            let w = text::width(&shown);
            cells.push((shown, w, i));
        }
        let at = cells
            .iter()
            .position(|(_, _, i)| *i >= self.cursor)
            .unwrap_or(cells.len());
        // Start far enough right that the cursor fits, leaving one column for it.
        let mut start = 0;
        let mut before: usize = cells[..at].iter().map(|c| c.1).sum();
        while before + 1 > cols && start < at {
            before -= cells[start].1;
            start += 1;
        }
        let mut out = String::new();
        let mut used = 0;
        for (shown, w, _) in &cells[start..] {
            if used + w > cols {
                break;
            }
            out.push_str(shown);
            used += w;
        }
        (out, before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_by_character_not_byte() {
        let mut e = TextField::new("Dräger", 100);
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
        let mut e = TextField::new("東芝東芝", 100);
        let (rows, cursor) = e.rows(5);
        assert_eq!(rows, vec!["東芝", "東芝"]);
        assert_eq!(cursor, (1, 4));
        e.edit(&Action::CursorStart);
        assert_eq!(e.rows(5).1, (0, 0));
        assert_eq!(TextField::new("abcd", 10).rows(4).1, (1, 0));
        assert_eq!(TextField::new("a\u{1b}b", 10).rows(10).0, vec!["a␛b"]);
    }

    #[test]
    fn a_new_line_starts_a_row_and_pasted_breaks_do_not() {
        let mut e = TextField::new("Patch", 100);
        assert!(e.new_line());
        assert!(e.insert("VLAN\nnow"));
        assert_eq!(e.text, "Patch\nVLAN now");
        let (rows, cursor) = e.rows(20);
        assert_eq!(rows, vec!["Patch", "VLAN now"]);
        assert_eq!(cursor, (1, 8));
        e.edit(&Action::CursorStart);
        for _ in 0..5 {
            e.edit(&Action::CursorRight);
        }
        assert_eq!(e.rows(20).1, (0, 5));
        let mut full = TextField::new("ab", 2);
        assert!(!full.new_line());
        assert_eq!(full.text, "ab");
    }

    #[test]
    fn one_line_scrolls_to_the_cursor() {
        let e = TextField::new("abcdefghij", 100);
        assert_eq!(e.line(5), ("ghij".to_string(), 4));
        let mut e = TextField::new("東芝東芝", 100);
        assert_eq!(e.line(4), ("芝".to_string(), 2));
        e.edit(&Action::CursorStart);
        assert_eq!(e.line(4), ("東芝".to_string(), 0));
    }

    #[test]
    fn the_limit_is_enforced_keeping_what_fits() {
        let mut e = TextField::new("x".repeat(10), 10);
        assert!(!e.insert("y"));
        assert_eq!(e.text.len(), 10);
        let mut e = TextField::new("", 5);
        assert!(!e.insert("abc😀def"));
        assert_eq!(e.text, "abc😀", "an emoji is two UTF-16 units");
    }
}
