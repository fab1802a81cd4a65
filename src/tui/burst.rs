//! Telling a paste from typing when the terminal does not bracket pastes: characters that
//! arrive within a few milliseconds of each other (a paste, a barcode scanner) are far faster
//! than anyone types. Such a run of printable characters becomes one pasted text, which goes to
//! the focused text field (or the device search), never to key bindings — a pasted "yyyn" must
//! not answer four controls.

use std::time::Duration;

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Longest wait between two events of one burst.
pub const GAP: Duration = Duration::from_millis(3);
/// Most events read into one burst (the rest are read on the next turn of the loop).
pub const MAX: usize = 4096;
/// Fewest characters that make a run a paste (two quick keys can be a fast typist).
pub const MIN_RUN: usize = 3;

/// One thing for the app to handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// An event as it came.
    Event(Event),
    /// A run of characters that arrived together.
    Paste(String),
}

/// The character a key event types, if it is a plain key press of a printable character or
/// Enter / Tab (which a scanner sends after the code).
fn typed(event: &Event) -> Option<char> {
    match event {
        Event::Key(KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            ..
        }) if !modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => match code {
            KeyCode::Char(c) => Some(*c),
            KeyCode::Enter => Some('\n'),
            KeyCode::Tab => Some('\t'),
            _ => None,
        },
        _ => None,
    }
}

/// Whether an event may start a burst (worth checking for more events at once).
pub fn starts(event: &Event) -> bool {
    matches!(typed(event), Some(c) if c != '\n' && c != '\t')
}

/// Splits events read together into items: runs of at least [`MIN_RUN`] typed characters
/// become one paste (a trailing Enter or Tab from a scanner is dropped with it); everything
/// else stays an event.
pub fn group(events: Vec<Event>) -> Vec<Item> {
    let mut out = Vec::new();
    let mut run: Vec<Event> = Vec::new();
    let flush = |run: &mut Vec<Event>, out: &mut Vec<Item>| {
        let text: String = run.iter().filter_map(typed).collect();
        if run.len() >= MIN_RUN {
            let trimmed = text.trim_end_matches(['\n', '\t']);
            out.push(Item::Paste(trimmed.to_string()));
        } else {
            out.extend(run.drain(..).map(Item::Event));
        }
        run.clear();
    };
    for e in events {
        if typed(&e).is_some() {
            run.push(e);
        } else {
            flush(&mut run, &mut out);
            out.push(Item::Event(e));
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> Event {
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn a_quick_run_is_a_paste_and_single_keys_stay_keys() {
        assert_eq!(group(vec![key('y')]), vec![Item::Event(key('y'))]);
        assert_eq!(
            group(vec![key('y'), key('n')]),
            vec![Item::Event(key('y')), Item::Event(key('n'))]
        );
        let scanner = vec![
            key('A'),
            key('1'),
            key('2'),
            Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        ];
        assert_eq!(group(scanner), vec![Item::Paste("A12".into())]);
        let mixed = vec![
            key('a'),
            key('b'),
            key('c'),
            Event::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
            key('y'),
        ];
        assert_eq!(
            group(mixed),
            vec![
                Item::Paste("abc".into()),
                Item::Event(Event::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE))),
                Item::Event(key('y')),
            ]
        );
    }
}
