//! The hint bar: the bindings of the active keymap section that carry a `hint`, as `key label`
//! pairs, in keymap order, as many as fit. The help key is kept at the right end so that the
//! way to every other key is always on screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Binding;
use crate::tui::text;

fn pair(b: &Binding) -> Option<(String, String)> {
    let key = b.keys.first()?.to_string();
    Some((key, text::sanitize(b.hint.as_deref()?).into_owned()))
}

/// Draws the hint bar into `area` (one row).
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme;
    let bindings = app.keymap.active(app.context());
    let hinted = bindings.into_iter().filter(|b| b.hint.is_some());
    let (help, others): (Vec<&Binding>, Vec<&Binding>) =
        hinted.partition(|b| b.action == Action::Help);
    let help = help.first().and_then(|b| pair(b));
    let width = usize::from(area.width);
    let help_width = help
        .as_ref()
        .map(|(k, l)| text::width(k) + 1 + text::width(l))
        .unwrap_or(0);
    let mut used = 0;
    let mut spans = Vec::new();
    for (key, label) in others.into_iter().filter_map(pair) {
        let w = text::width(&key) + 1 + text::width(&label);
        let sep = if spans.is_empty() { 0 } else { 2 };
        let reserve = if help_width > 0 { help_width + 2 } else { 0 };
        if used + sep + w + reserve > width {
            break;
        }
        if sep > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(label, theme.dim()));
        used += sep + w;
    }
    if let Some((key, label)) = help
        && used + help_width <= width
    {
        let gap = width - used - help_width;
        spans.push(Span::raw(" ".repeat(gap)));
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(label, theme.dim()));
    }
    frame.render_widget(Line::from(spans), area);
}
