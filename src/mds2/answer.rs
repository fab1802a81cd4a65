//! One answer cell (or the answer part of a line of text) normalised to [`Mds2Answer`].

use super::Mds2Answer;

/// The answer words, longest first so that `not applicable` wins over `no` and `see notes` over
/// `see note`, with the answer each stands for.
const TOKENS: [(&str, Mds2Answer); 9] = [
    ("not applicable", Mds2Answer::NA),
    ("see notes", Mds2Answer::SeeNote),
    ("see note", Mds2Answer::SeeNote),
    ("hidden", Mds2Answer::Hidden),
    ("n/a", Mds2Answer::NA),
    ("n.a.", Mds2Answer::NA),
    ("yes", Mds2Answer::Yes),
    ("na", Mds2Answer::NA),
    ("no", Mds2Answer::No),
];

/// Normalises an answer as written and returns it with its qualifier (the text after the answer
/// word, without the separating `,` `:` `;` `-` `.` or quotes: `Yes, optional` → `Yes` +
/// `optional`; `N/A: No default accounts` → `N/A` + `No default accounts`).
///
/// Answer words match whole tokens at the start, case-insensitively: `No`, `No,`, `No:` are
/// `No`, but `None`, `Note:`, `Nothing` and `Normal` are free text ([`Mds2Answer::Other`]).
/// `Not applicable` is `N/A`. Empty text and placeholders made only of `_` (`__`, `____`) or
/// `-` are [`Mds2Answer::Blank`]. `See Note 3` is [`Mds2Answer::SeeNote`] with qualifier `3`.
pub fn parse_answer(raw: &str) -> (Mds2Answer, String) {
    let t = raw
        .trim()
        .trim_matches(['"', '\u{201c}', '\u{201d}'])
        .trim();
    if t.is_empty()
        || t.chars()
            .all(|c| matches!(c, '_' | '-' | '\u{2013}' | '\u{2014}'))
    {
        return (Mds2Answer::Blank, String::new());
    }
    let lower = t.to_lowercase();
    for (word, answer) in TOKENS.iter() {
        let Some(rest) = lower.strip_prefix(word) else {
            continue;
        };
        // A whole token: what follows must not continue the word (`None`, `Note`, `n/ab`).
        if rest
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '\'')
        {
            // `see note3` is still a note reference.
            if !(matches!(answer, Mds2Answer::SeeNote)
                && rest.starts_with(|c: char| c.is_ascii_digit()))
            {
                continue;
            }
        }
        // The same number of bytes in the original: to_lowercase keeps ASCII words' lengths.
        let tail = t.get(word.len()..).unwrap_or("");
        return (answer.clone(), qualifier(tail));
    }
    (Mds2Answer::Other(t.to_string()), String::new())
}

/// The qualifier text after an answer word, without leading separators and enclosing quotes.
fn qualifier(tail: &str) -> String {
    let t = tail.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ':' | ';' | '-' | '.' | ')' | '\u{2013}')
    });
    let t = t.trim().trim_end_matches([',', ';']).trim();
    let t = t.trim_matches(['"', '\u{201c}', '\u{201d}']).trim();
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(raw: &str) -> (Mds2Answer, String) {
        parse_answer(raw)
    }

    #[test]
    fn whole_tokens_only() {
        assert_eq!(a("No"), (Mds2Answer::No, String::new()));
        assert_eq!(a(" no, "), (Mds2Answer::No, String::new()));
        assert_eq!(a("No:"), (Mds2Answer::No, String::new()));
        assert_eq!(a("None"), (Mds2Answer::Other("None".into()), String::new()));
        assert_eq!(
            a("Note: see IFU").0,
            Mds2Answer::Other("Note: see IFU".into())
        );
        assert_eq!(a("Nothing").0, Mds2Answer::Other("Nothing".into()));
        assert_eq!(a("Not applicable"), (Mds2Answer::NA, String::new()));
        assert_eq!(a("NOT APPLICABLE."), (Mds2Answer::NA, String::new()));
        assert_eq!(a("N/A"), (Mds2Answer::NA, String::new()));
        assert_eq!(a("NA"), (Mds2Answer::NA, String::new()));
        assert_eq!(a("Hidden"), (Mds2Answer::Hidden, String::new()));
        assert_eq!(a("See Notes"), (Mds2Answer::SeeNote, String::new()));
        assert_eq!(a("See Note 3"), (Mds2Answer::SeeNote, "3".into()));
        assert_eq!(a("Yesterday").0, Mds2Answer::Other("Yesterday".into()));
    }

    #[test]
    fn qualifiers_are_kept() {
        assert_eq!(a("Yes, optional"), (Mds2Answer::Yes, "optional".into()));
        assert_eq!(
            a("Yes,\"DICOM WL, HL7, PACS\""),
            (Mds2Answer::Yes, "DICOM WL, HL7, PACS".into())
        );
        assert_eq!(
            a("N/A: No default accounts"),
            (Mds2Answer::NA, "No default accounts".into())
        );
        assert_eq!(
            a("No: No end-of-life components"),
            (Mds2Answer::No, "No end-of-life components".into())
        );
    }

    #[test]
    fn placeholders_are_blank() {
        for raw in ["", "  ", "__", "____", "-", "\u{2014}"] {
            assert_eq!(a(raw), (Mds2Answer::Blank, String::new()), "{raw:?}");
        }
    }
}
