//! The help overlay: the active screen's bindings with their descriptions, generated from the
//! keymap (so it always shows the keys that really work), in two columns when there is room.
//! On the Findings and the Dashboard a legend follows, generated from the flags and the risk
//! levels: what `PS!`, `OVD`/`OVERDUE`, `EXP`/`EXPIRED`, a due date's `*` and `VH→L` mean.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};

use crate::risk::RiskLevel;
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay};
use crate::tui::keymap::{Binding, Context};
use crate::tui::layout;
use crate::tui::screens::finding::Flag;
use crate::tui::text;
use crate::tui::widgets::columns::{Cell, draw_row};

/// The open help overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelpState {
    /// Whose keys are listed (the screen under the overlay).
    pub context: Context,
    /// First row shown.
    pub scroll: usize,
}

/// Where the overlay goes and how its entries are laid out.
struct Geometry {
    popup: Rect,
    inner: Rect,
    columns: usize,
    /// Rows of the bindings.
    rows: usize,
    /// The legend's rows after them (a blank row first), full width: (term, meaning).
    legend: Vec<(String, String)>,
}

impl Geometry {
    /// Every row: the bindings', then the legend's.
    fn total(&self) -> usize {
        self.rows + self.legend.len()
    }
}

/// Width of the legend's terms.
const TERM: usize = 12;

/// The legend of a screen that shows findings (Findings, Dashboard), wrapped to `width`: one
/// entry per flag from [`Flag`], the default due date's `*`, and the levels from [`RiskLevel`].
/// Empty for other screens.
fn legend(context: Context, width: usize) -> Vec<(String, String)> {
    if !matches!(context, Context::Findings | Context::Dashboard) {
        return Vec::new();
    }
    let mut entries: Vec<(String, String)> = Flag::ALL
        .iter()
        .map(|f| {
            let term = if f.short() == f.label() {
                f.label().to_string()
            } else {
                format!("{}/{}", f.short(), f.label())
            };
            (term, f.meaning().to_string())
        })
        .collect();
    entries.push((
        "date*".into(),
        "due date by default: first identified plus the level's days".into(),
    ));
    let levels: Vec<String> = RiskLevel::ALL
        .iter()
        .map(|l| format!("{} {}", l.abbreviation(), l.label()))
        .collect();
    let (high, low) = (RiskLevel::VeryHigh, RiskLevel::Low);
    entries.push((
        format!("{}→{}", high.abbreviation(), low.abbreviation()),
        format!(
            "level, then the residual level after treatment ({}): {}",
            format_args!("{} → {}", high.label(), low.label()),
            levels.join(", ")
        ),
    ));
    let cols = width.saturating_sub(TERM + 3).max(10);
    let mut rows = vec![(String::new(), String::new())];
    for (term, meaning) in entries {
        for (n, part) in text::wrap_words(&meaning, cols).into_iter().enumerate() {
            let t = if n == 0 { term.clone() } else { String::new() };
            rows.push((t, part));
        }
    }
    rows
}

fn geometry(size: Rect, entries: usize, context: Context) -> Geometry {
    let body = layout::chrome(size).body;
    let width = body.width.saturating_sub(4).min(100);
    let columns = if width >= 72 { 2 } else { 1 };
    let rows = entries.div_ceil(columns);
    let legend = legend(context, usize::from(width.saturating_sub(2)));
    let height = u16::try_from(rows + legend.len() + 2).unwrap_or(u16::MAX);
    let popup = layout::popup(body, width, height);
    let inner = Block::new().borders(Borders::ALL).inner(popup);
    Geometry {
        popup,
        inner,
        columns,
        rows,
        legend,
    }
}

/// The largest useful scroll offset for the help of `context` at the app's size.
pub fn max_scroll(app: &App, context: Context) -> usize {
    let g = geometry(app.size, app.keymap.active(context).len(), context);
    g.total().saturating_sub(usize::from(g.inner.height))
}

/// Acts on the help overlay: scroll, or close it.
pub fn update(app: &mut App, action: Action) {
    let Some(Overlay::Help(state)) = &app.overlay else {
        return;
    };
    let state = *state;
    let max = max_scroll(app, state.context);
    let entries = app.keymap.active(state.context).len();
    let page = usize::from(geometry(app.size, entries, state.context).inner.height).max(1);
    let scroll = match action {
        Action::Back | Action::Help | Action::Quit => {
            app.overlay = None;
            return;
        }
        Action::MoveDown => state.scroll + 1,
        Action::MoveUp => state.scroll.saturating_sub(1),
        Action::PageDown => state.scroll + page,
        Action::PageUp => state.scroll.saturating_sub(page),
        Action::First => 0,
        Action::Last => max,
        _ => return,
    };
    app.overlay = Some(Overlay::Help(HelpState {
        scroll: scroll.min(max),
        ..state
    }));
}

/// Draws the overlay.
pub fn render(app: &App, frame: &mut Frame, state: &HelpState) {
    let theme = app.theme;
    let bindings: Vec<&Binding> = app.keymap.active(state.context);
    let g = geometry(frame.area(), bindings.len(), state.context);
    if g.inner.width == 0 || g.inner.height == 0 {
        return;
    }
    let more = if state.scroll + usize::from(g.inner.height) < g.total() {
        " ↓ more "
    } else {
        ""
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(
            format!(" Keys · {} ", state.context.title()),
            theme.title(),
        ))
        .title_bottom(Line::from(more).right_aligned());
    frame.render_widget(Clear, g.popup);
    frame.render_widget(block, g.popup);

    let col_width = usize::from(g.inner.width) / g.columns;
    let labels: Vec<String> = bindings.iter().map(|b| b.keys_label()).collect();
    let key_width = labels
        .iter()
        .map(|l| text::width(l))
        .max()
        .unwrap_or(0)
        .min(14);
    let desc_width = col_width.saturating_sub(key_width + 2);
    let buf = frame.buffer_mut();
    for r in 0..usize::from(g.inner.height) {
        let row = state.scroll + r;
        let y = g.inner.y + u16::try_from(r).unwrap_or(u16::MAX);
        if row >= g.rows {
            let Some((term, meaning)) = g.legend.get(row - g.rows) else {
                break;
            };
            let area = Rect::new(g.inner.x, y, g.inner.width, 1);
            draw_row(
                buf,
                area,
                &[
                    Cell::new("", 0, Default::default()),
                    Cell::new(term, TERM, theme.key()),
                    Cell::new(meaning, usize::from(g.inner.width), Default::default()),
                ],
                Default::default(),
            );
            continue;
        }
        for c in 0..g.columns {
            // Column-major: the first column is read top to bottom, then the second.
            let i = c * g.rows + row;
            let (Some(b), Some(keys)) = (bindings.get(i), labels.get(i)) else {
                continue;
            };
            let x = g.inner.x + u16::try_from(c * col_width).unwrap_or(u16::MAX);
            let area =
                Rect::new(x, y, u16::try_from(col_width).unwrap_or(0), 1).intersection(g.inner);
            draw_row(
                buf,
                area,
                &[
                    Cell::new("", 0, Default::default()),
                    Cell::new(keys, key_width, theme.key()),
                    Cell::new(&b.desc, desc_width, Default::default()),
                ],
                Default::default(),
            );
        }
    }
}
