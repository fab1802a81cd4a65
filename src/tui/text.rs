//! Text as the terminal will show it: control characters and escape sequences made visible
//! (never sent to the terminal), and display widths measured in terminal columns (`東芝` is 4
//! columns, `Dräger` 6), so that columns stay aligned.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Whether a character must be shown escaped: C0 and C1 controls, DEL, and the bidirectional
/// overrides and isolates that reorder what follows them (a "Trojan Source" trick).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\t' => out.push(' '),
        // C0 controls have printable pictures: ESC → ␛, NUL → ␀, LF → ␊.
        '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
        '\u{7f}' => out.push('␡'),
        _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

/// One line of text safe for the terminal: every control character (newlines included) and
/// bidirectional override is replaced by a visible form (`\u{1b}` → `␛`, `\n` → `␊`, U+202E →
/// `\u{202e}`, a tab → a space). Borrowed when nothing needs escaping.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Like [`sanitize`] but keeps line breaks (`\n`, and `\r\n` as one) for multi-line text such
/// as notes and catalog guidance.
pub fn sanitize_multiline(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split('\n')
        .map(sanitize)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Display width in terminal columns (wide CJK characters count 2, combining marks 0).
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// Text cut to at most `max` columns, ending in `…` when something was cut. Sanitised first.
pub fn truncate(text: &str, max: usize) -> String {
    let clean = sanitize(text);
    if width(&clean) <= max {
        return clean.into_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in clean.chars() {
        let w = char_width(c);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Text cut or padded with spaces to exactly `cols` columns (see [`truncate`]). A wide
/// character that would straddle the edge is replaced by padding, so the next column starts
/// where it should.
pub fn fit(text: &str, cols: usize) -> String {
    let mut out = truncate(text, cols);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cols.saturating_sub(w)));
    out
}

/// Text padded on the left to `cols` columns (for numbers).
pub fn fit_right(text: &str, cols: usize) -> String {
    let t = truncate(text, cols);
    let pad = cols.saturating_sub(width(&t));
    format!("{}{t}", " ".repeat(pad))
}

/// Splits already sanitised single-line text into rows of at most `cols` columns, breaking
/// anywhere (for a text field, where every character must stay where the cursor expects it).
/// Returns the byte range of each row; an empty text gives one empty row.
pub fn wrap_ranges(text: &str, cols: usize) -> Vec<(usize, usize)> {
    let cols = cols.max(2);
    let mut rows = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let w = char_width(c);
        if used + w > cols {
            rows.push((start, i));
            start = i;
            used = 0;
        }
        used += w;
    }
    rows.push((start, text.len()));
    rows
}

/// Word-wraps already sanitised single-line text into rows of at most `cols` columns; a word
/// longer than a row is broken. An empty text gives one empty row.
pub fn wrap_words(text: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(1);
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut used = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w = width(word);
        let sep = usize::from(used > 0);
        if used + sep + w <= cols {
            if sep == 1 {
                row.push(' ');
            }
            row.push_str(word);
            used += sep + w;
            continue;
        }
        if used > 0 {
            rows.push(std::mem::take(&mut row));
            used = 0;
        }
        for c in word.chars() {
            let cw = char_width(c);
            if used + cw > cols && used > 0 {
                rows.push(std::mem::take(&mut row));
                used = 0;
            }
            row.push(c);
            used += cw;
        }
    }
    if used > 0 || rows.is_empty() {
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi() {
        assert_eq!(sanitize("plain Dräger"), "plain Dräger");
        assert!(matches!(sanitize("plain"), Cow::Borrowed(_)));
        assert_eq!(sanitize("a\u{1b}[31mred"), "a␛[31mred");
        assert_eq!(sanitize("x\ny\tz"), "x␊y z");
        assert_eq!(sanitize("\u{7f}\u{9b}"), "␡\\u{9b}");
        assert_eq!(sanitize("evil\u{202e}txt"), "evil\\u{202e}txt");
        assert_eq!(sanitize_multiline("a\r\nb\u{7}"), "a\nb␇");
    }

    #[test]
    fn widths_and_fitting() {
        assert_eq!(width("東芝 Aquilion"), 13);
        assert_eq!(fit("東芝 Aquilion", 6), "東芝 …");
        assert_eq!(width(&fit("東芝 Aquilion", 6)), 6);
        // A wide character that does not fit before the ellipsis becomes padding.
        assert_eq!(fit("東芝", 3), "東…");
        assert_eq!(fit("東芝", 2), "… ");
        assert_eq!(fit("Dräger", 8), "Dräger  ");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(fit_right("42%", 5), "  42%");
        assert_eq!(truncate("\u{1b}", 1), "␛");
    }

    #[test]
    fn wrapping_keeps_every_byte() {
        let t = "東芝東芝ab";
        let rows = wrap_ranges(t, 4);
        assert_eq!(rows, vec![(0, 6), (6, 12), (12, 14)]);
        assert_eq!(wrap_ranges("", 10), vec![(0, 0)]);
        assert_eq!(
            wrap_words("the quick brown fox", 9),
            vec!["the quick", "brown fox"]
        );
        assert_eq!(wrap_words("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap_words("", 4), vec![""]);
    }
}
