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
    let hint = match (b.hint.as_deref(), &b.action) {
        (Some(h), _) => h,
        (None, Action::VulnFindings) => "findings",
        (None, _) => return None,
    };
    Some((key, text::sanitize(hint).into_owned()))
}

/// Whether the selected control lists the device's vulnerability findings (VULN-01, VULN-02),
/// where the key that opens them leads the bar.
fn on_vulnerability_control(app: &App) -> bool {
    app.current_control()
        .is_some_and(|c| c.id == "VULN-01" || c.id == "VULN-02")
}

/// Draws the hint bar into `area` (one row).
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme;
    let bindings = app.keymap.active(app.context());
    let vulns = on_vulnerability_control(app);
    let (lead, rest): (Vec<&Binding>, Vec<&Binding>) = bindings
        .into_iter()
        .partition(|b| vulns && b.action == Action::VulnFindings);
    let hinted = lead
        .into_iter()
        .chain(rest.into_iter().filter(|b| b.hint.is_some()));
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
