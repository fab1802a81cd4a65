//! One key with its modifiers: parsed from the keymap's key names, compared with terminal key
//! events, and shown in help and hints.
//!
//! Key names: a single character (`y`, `?`, `]`, `D`), or one of `up down left right pgup pgdn
//! home end enter esc tab backtab backspace delete insert space f1`…`f12`, optionally prefixed
//! by `ctrl-`, `alt-` and/or `shift-` (e.g. `ctrl-z`, `shift-tab`).

use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key with its modifiers, normalised so that a typed `D` (Shift held) equals the keymap's
/// `D`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl / Alt / Shift (Shift only for non-character keys).
    pub modifiers: KeyModifiers,
}

impl Key {
    /// A key without modifiers.
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            modifiers: KeyModifiers::NONE,
        }
    }

    /// The key of a terminal key event. Shift is dropped for characters (the character already
    /// says it: `D`, `?`) and for Back-Tab; only Ctrl, Alt and Shift are kept.
    pub fn from_event(event: &KeyEvent) -> Key {
        let mut modifiers =
            event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if matches!(event.code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        let code = match event.code {
            // Ctrl + letter may arrive upper-case with some terminals.
            KeyCode::Char(c) if modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            code => code,
        };
        Key { code, modifiers }
    }

    /// Parses a key name (see the module documentation).
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut rest = text;
        let mut modifiers = KeyModifiers::NONE;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix, m) = if lower.starts_with("ctrl-") && rest.len() > 5 {
                (5, KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") && rest.len() > 4 {
                (4, KeyModifiers::ALT)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                (6, KeyModifiers::SHIFT)
            } else {
                break;
            };
            modifiers |= m;
            rest = &rest[prefix..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() && !c.is_whitespace() => {
                if modifiers.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            _ => match rest.to_ascii_lowercase().as_str() {
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "space" => KeyCode::Char(' '),
                name => match name.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    Some(n @ 1..=12) => KeyCode::F(n),
                    _ => return Err(format!("`{text}` is not a key name")),
                },
            },
        };
        let mut key = Key { code, modifiers };
        if key.code == KeyCode::Tab && key.modifiers.contains(KeyModifiers::SHIFT) {
            key = Key {
                code: KeyCode::BackTab,
                modifiers: key.modifiers - KeyModifiers::SHIFT,
            };
        }
        if matches!(key.code, KeyCode::Char(_)) && key.modifiers.contains(KeyModifiers::SHIFT) {
            return Err(format!(
                "`{text}`: write the shifted character itself (e.g. `D`, `?`) instead of shift-"
            ));
        }
        Ok(key)
    }
}

impl fmt::Display for Key {
    /// The key as shown in help and hints: `↑`, `PgDn`, `Enter`, `Ctrl-z`, `y`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names() {
        assert_eq!(
            Key::parse("ctrl-Z"),
            Ok(Key {
                code: KeyCode::Char('z'),
                modifiers: KeyModifiers::CONTROL
            })
        );
        assert_eq!(Key::parse("shift-tab"), Ok(Key::plain(KeyCode::BackTab)));
        assert_eq!(Key::parse("F5"), Ok(Key::plain(KeyCode::F(5))));
        assert_eq!(Key::parse("-"), Ok(Key::plain(KeyCode::Char('-'))));
        assert!(Key::parse("shift-d").is_err());
        assert!(Key::parse("hyper-x").is_err());
        assert!(Key::parse("").is_err());
        let typed = KeyEvent::new(KeyCode::Char('D'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&typed), Key::plain(KeyCode::Char('D')));
        assert_eq!(Key::plain(KeyCode::PageDown).to_string(), "PgDn");
    }
}
