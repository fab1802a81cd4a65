//! Text typed by users (device names, notes, owners…) made safe for the report: it can neither
//! become markup nor reorder or hide what follows it.
//!
//! Both formats first make invisible characters visible, as the TUI does: C0 controls other
//! than line breaks become their pictures (`ESC` → `␛`), DEL `␡`, C1 controls and the
//! bidirectional overrides and isolates (the "Trojan Source" characters, e.g. U+202E) become
//! `\u{202e}`. Then HTML escapes `& < > " '`, and Markdown backslash-escapes the punctuation
//! that has a meaning inline (`\ ` * _ [ ] < > | ~ &`) and, at the start of a line, the
//! characters that open a heading, list, quote or rule.

use std::fmt::Write;

/// Whether a character is shown escaped: controls other than tab and line breaks, and the
/// bidirectional marks, overrides and isolates.
fn is_hidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Pushes the visible form of a hidden character.
fn push_visible(out: &mut String, c: char) {
    match c {
        '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
        '\u{7f}' => out.push('␡'),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// The lines of a text, `\r\n` and lone `\r` counted as line breaks.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// Escapes one line of user text for HTML element content or a quoted attribute value. A line
/// break becomes a space. Example: `a<b & "c"` → `a&lt;b &amp; &quot;c&quot;`.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_html(&mut out, text, false);
    out
}

/// Escapes multi-line user text (notes, planned actions) for HTML element content: as
/// [`html`], with each line break written as `<br>`.
pub fn html_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_html(&mut out, text.trim_end(), true);
    out
}

fn push_html(out: &mut String, text: &str, breaks: bool) {
    for (n, line) in lines(text).enumerate() {
        if n > 0 {
            out.push_str(if breaks { "<br>" } else { " " });
        }
        for c in line.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                '\r' => out.push(' '),
                c if is_hidden(c) => push_visible(out, c),
                c => out.push(c),
            }
        }
    }
}

/// Escapes user text for one Markdown table cell or one line of a paragraph: the inline
/// punctuation is backslash-escaped, line breaks become `<br>` (GitHub-flavoured Markdown keeps a
/// table row on one line), and a line that would open a block (`#`, `-`, `+`, `>`, `=`, `1.`)
/// is escaped too (see `block_start`). Example: `a|b # c` → `a\|b # c`; `# Title` → `\# Title`.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (n, line) in lines(text.trim_end()).enumerate() {
        if n > 0 {
            out.push_str("<br>");
        }
        let line = line.trim_start_matches([' ', '\t']);
        let rest = block_start(&mut out, line);
        for c in rest.chars() {
            match c {
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' => {
                    out.push('\\');
                    out.push(c);
                }
                '\t' | '\r' => out.push(' '),
                c if is_hidden(c) => push_visible(&mut out, c),
                c => out.push(c),
            }
        }
    }
    out
}

/// Writes the escaped opening of a line that would start a block in CommonMark — an ATX
/// heading (`#`), a bullet (`-`, `+` followed by a space or the end), a setext underline or
/// rule (a line of only `=` or `-`), an ordered-list number (`12. ` → `12\. `) — and returns
/// the rest of the line to escape inline (`>`, `*`, `_` are escaped there anyway).
fn block_start<'a>(out: &mut String, line: &'a str) -> &'a str {
    let marker_ends = |rest: &str| rest.is_empty() || rest.starts_with([' ', '\t']);
    let only = |c: char| line.chars().all(|x| x == c || x == ' ');
    match line.chars().next() {
        Some('#') => {
            out.push_str("\\#");
            return &line[1..];
        }
        Some(c @ ('-' | '+')) if marker_ends(&line[1..]) || only(c) => {
            out.push('\\');
            out.push(c);
            return &line[1..];
        }
        Some('=') if only('=') => {
            out.push_str("\\=");
            return &line[1..];
        }
        _ => {}
    }
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    match line[digits..].chars().next() {
        Some(mark @ ('.' | ')')) if digits > 0 && marker_ends(&line[digits + 1..]) => {
            out.push_str(&line[..digits]);
            out.push('\\');
            out.push(mark);
            &line[digits + 1..]
        }
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_makes_hidden_characters_visible() {
        assert_eq!(
            html("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(html("evil\u{202e}txt\u{1b}[31m"), "evil\\u{202e}txt␛[31m");
        assert_eq!(html("a\u{85}b\u{7f}"), "a\\u{85}b␡");
        assert_eq!(html("two\nlines"), "two lines");
        assert_eq!(html_lines("two\r\nlines\n"), "two<br>lines");
        assert_eq!(html("Dräger 東芝"), "Dräger 東芝");
    }

    #[test]
    fn markdown_escapes_table_breakers_and_block_starts() {
        assert_eq!(markdown("a|b"), "a\\|b");
        assert_eq!(markdown("C:\\temp"), "C:\\\\temp");
        assert_eq!(markdown("# not a heading"), "\\# not a heading");
        assert_eq!(markdown("- item\n> quote"), "\\- item<br>\\> quote");
        assert_eq!(markdown("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(
            markdown("*bold* _it_ [l](u)"),
            "\\*bold\\* \\_it\\_ \\[l\\](u)"
        );
        assert_eq!(markdown("12. twelve"), "12\\. twelve");
        assert_eq!(markdown("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(markdown("12) x"), "12\\) x");
        // Only what CommonMark reads as a block start is escaped.
        assert_eq!(markdown("0.1.0 and -7 and =x"), "0.1.0 and -7 and =x");
        assert_eq!(markdown("==="), "\\===");
        assert_eq!(markdown("-"), "\\-");
        assert_eq!(markdown("+ x"), "\\+ x");
    }
}
