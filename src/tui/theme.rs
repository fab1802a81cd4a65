//! Colours and text attributes. With `NO_COLOR` set (to anything but an empty string,
//! <https://no-color.org>) no colour is used at all; bold, reverse and italic still mark the
//! cursor, headings and suggestions, so nothing depends on colour alone.

use ratatui::style::{Color, Modifier, Style};

use crate::assessment::Response;

/// The styles of every element the TUI draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// Colours unless `NO_COLOR` is set and non-empty.
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    /// A theme with colours.
    pub fn colored() -> Theme {
        Theme { color: true }
    }

    /// A theme without any colour (attributes only).
    pub fn monochrome() -> Theme {
        Theme { color: false }
    }

    fn fg(self, style: Style, color: Color) -> Style {
        if self.color { style.fg(color) } else { style }
    }

    /// The top line: screen title.
    pub fn title(self) -> Style {
        self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Cyan)
    }

    /// Column headings.
    pub fn heading(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// A step group row in the checklist.
    pub fn group(self) -> Style {
        self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Cyan)
    }

    /// The row under the cursor.
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    /// Secondary text (labels, not-assessed markers).
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    /// A key in the hint bar or the help overlay.
    pub fn key(self) -> Style {
        self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Yellow)
    }

    /// An error message.
    pub fn error(self) -> Style {
        self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Red)
    }

    /// An informational message.
    pub fn info(self) -> Style {
        self.fg(Style::new(), Color::Green)
    }

    /// A response (or its absence).
    pub fn response(self, response: Option<Response>) -> Style {
        match response {
            None => self.dim(),
            Some(Response::Yes) => self.fg(Style::new(), Color::Green),
            Some(Response::Partial) => self.fg(Style::new(), Color::Yellow),
            Some(Response::No) => self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Red),
            Some(Response::NotApplicable) => self.fg(Style::new(), Color::Blue),
            Some(Response::Unknown) => self.fg(Style::new(), Color::Magenta),
        }
    }

    /// An unconfirmed suggestion: italic and dim, so it never looks like an answer.
    pub fn suggestion(self) -> Style {
        self.dim().add_modifier(Modifier::ITALIC)
    }

    /// Borders of popups and panes.
    pub fn border(self) -> Style {
        self.fg(Style::new(), Color::Gray)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monochrome_has_no_colour() {
        let t = Theme::monochrome();
        let mut styles = vec![
            t.title(),
            t.heading(),
            t.group(),
            t.selected(),
            t.dim(),
            t.key(),
            t.error(),
            t.info(),
            t.suggestion(),
            t.border(),
            t.response(None),
        ];
        styles.extend(Response::ALL.map(|r| t.response(Some(r))));
        for s in styles {
            assert_eq!((s.fg, s.bg), (None, None), "{s:?}");
        }
        assert!(Theme::colored().error().fg.is_some());
    }
}
