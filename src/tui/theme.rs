//! Colours and text attributes. With `NO_COLOR` set (to anything but an empty string,
//! <https://no-color.org>) no colour is used at all; bold, reverse and italic still mark the
//! cursor, headings and suggestions, so nothing depends on colour alone.

use ratatui::style::{Color, Modifier, Style};

use crate::assessment::Response;

/// The styles of every element the TUI draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
    contrast: bool,
}

impl Theme {
    /// Colours unless `NO_COLOR` is set and non-empty.
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let contrast = std::env::var("MEDSEC_THEME")
            .is_ok_and(|v| v.trim().eq_ignore_ascii_case("high-contrast"));
        Theme {
            color: !no_color,
            contrast,
        }
    }

    /// The high-contrast theme: bold text, pure black and white with saturated colours, no dim
    /// grey (for sunlight, poor displays and low vision). `MEDSEC_THEME=high-contrast` starts
    /// with it; F12 switches.
    pub fn high_contrast() -> Theme {
        Theme {
            color: true,
            contrast: true,
        }
    }

    /// The same theme with high contrast switched on or off.
    pub fn toggled_contrast(self) -> Theme {
        Theme {
            contrast: !self.contrast,
            ..self
        }
    }

    /// Whether high contrast is on.
    pub fn is_high_contrast(self) -> bool {
        self.contrast
    }

    /// A risk level: its matrix colour (TEMPLATE.md "Risk Matrix"); the level's name is always
    /// written too, so colour is never the only signal.
    pub fn risk(self, level: crate::risk::RiskLevel) -> Style {
        use crate::risk::RiskLevel;
        // Terminal colours close to the matrix's (red, orange, yellow, green), readable on
        // dark and light backgrounds alike.
        match level {
            RiskLevel::VeryHigh => self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Red),
            RiskLevel::High => self.fg(Style::new().add_modifier(Modifier::BOLD), Color::LightRed),
            RiskLevel::Moderate => self.fg(Style::new(), Color::Yellow),
            RiskLevel::Low => self.fg(Style::new(), Color::Green),
            RiskLevel::VeryLow => self.dim(),
        }
    }

    /// A theme with colours.
    pub fn colored() -> Theme {
        Theme {
            color: true,
            contrast: false,
        }
    }

    /// A theme without any colour (attributes only).
    pub fn monochrome() -> Theme {
        Theme {
            color: false,
            contrast: false,
        }
    }

    fn fg(self, style: Style, color: Color) -> Style {
        if !self.color {
            return style;
        }
        if self.contrast {
            // Saturated colours and bold: readable on bright screens and for low vision.
            let strong = match color {
                Color::Cyan => Color::LightCyan,
                Color::Green => Color::LightGreen,
                Color::Yellow => Color::LightYellow,
                Color::Red => Color::LightRed,
                Color::Blue => Color::LightBlue,
                Color::Magenta => Color::LightMagenta,
                Color::Gray | Color::DarkGray => Color::White,
                other => other,
            };
            return style.fg(strong).add_modifier(Modifier::BOLD);
        }
        style.fg(color)
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
        if self.contrast {
            Style::new()
        } else if self.color {
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
