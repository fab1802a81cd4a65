//! The command palette (`:`): every action of the screen by name, with its key and what it
//! does. Typing narrows the list (every word must appear in the name or the description);
//! Enter runs the selected action as if its key had been pressed.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};

use crate::tui::action::Action;
use crate::tui::app::{App, Overlay, update as run_action};
use crate::tui::layout;
use crate::tui::text;
use crate::tui::widgets::columns::{Cell, draw_row};
use crate::tui::widgets::text_field::TextField;

/// One entry: an action, its key (if bound) and its description.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The action.
    pub action: Action,
    /// Its name in the keymap (`answer_yes`), shown and searched.
    pub name: String,
    /// Its first key, e.g. `y`.
    pub key: String,
    /// What it does.
    pub desc: String,
}

/// The open palette.
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    /// Every action of the screen.
    pub entries: Vec<Entry>,
    /// The typed filter.
    pub query: TextField,
    /// Indexes into `entries` that match the filter.
    pub shown: Vec<usize>,
    /// Selected row of `shown`.
    pub selected: usize,
}

impl Palette {
    /// The palette for the active screen: its bindings and the [global] ones, then the screens
    /// that can be reached from anywhere.
    pub fn new(app: &App) -> Palette {
        let context = app.screen_context();
        let mut entries: Vec<Entry> = Vec::new();
        for b in app.keymap.active(context) {
            if b.action == Action::Palette || entries.iter().any(|e| e.action == b.action) {
                continue;
            }
            entries.push(Entry {
                action: b.action.clone(),
                name: b.action.name(),
                key: b.keys.first().map(|k| k.to_string()).unwrap_or_default(),
                desc: b.desc.clone(),
            });
        }
        for (action, desc) in [
            (Action::Devices, "Show the device list"),
            (
                Action::Dashboard,
                "Show the dashboard: progress, heat map, top risks",
            ),
            (
                Action::Findings,
                "Show the findings: every No / Partial / Unknown by risk",
            ),
            (Action::Todo, "Show the To-do list: every deferred control"),
        ] {
            if !entries.iter().any(|e| e.action == action) {
                entries.push(Entry {
                    name: action.name(),
                    action,
                    key: String::new(),
                    desc: desc.to_string(),
                });
            }
        }
        let shown = (0..entries.len()).collect();
        Palette {
            entries,
            query: TextField::new("", 200),
            shown,
            selected: 0,
        }
    }

    fn refilter(&mut self) {
        let words: Vec<String> = self
            .query
            .text
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        // Actions whose name matches come first, then those whose description does ("undo"
        // finds undo before "delete — undo restores").
        let mut ranked: Vec<(usize, usize)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let name = format!("{} {}", e.name.replace('_', " "), e.name).to_lowercase();
                let hay = format!("{name} {}", e.desc.to_lowercase());
                if !words.iter().all(|w| hay.contains(w.as_str())) {
                    return None;
                }
                let in_name = words.iter().filter(|w| name.contains(w.as_str())).count();
                Some((words.len() - in_name, i))
            })
            .collect();
        ranked.sort();
        self.shown = ranked.into_iter().map(|(_, i)| i).collect();
        self.selected = 0;
    }
}

fn page(app: &App) -> usize {
    usize::from(layout::chrome(app.size).body.height.saturating_sub(4)).max(1)
}

/// Acts on the palette.
pub fn update(app: &mut App, action: Action) {
    let page = page(app);
    let Some(Overlay::Palette(p)) = &mut app.overlay else {
        return;
    };
    let last = p.shown.len().saturating_sub(1);
    match action {
        Action::InsertText(t) => {
            p.query.insert(&t);
            p.refilter();
        }
        Action::DeleteBack | Action::ClearText => {
            p.query.edit(&action);
            p.refilter();
        }
        Action::MoveDown | Action::MoveUp | Action::PageDown | Action::PageUp => {
            p.selected = layout::moved(&action, p.selected, last, page).unwrap_or(p.selected);
        }
        Action::Back => app.overlay = None,
        Action::Quit => {
            app.overlay = None;
            app.quit = true;
        }
        Action::Submit => {
            let chosen = p
                .shown
                .get(p.selected)
                .and_then(|&i| p.entries.get(i))
                .map(|e| e.action.clone());
            app.overlay = None;
            match chosen {
                Some(a) => run_action(app, a),
                None => app.info("No action matches"),
            }
        }
        _ => {}
    }
}

/// Draws the palette.
pub fn render(app: &App, frame: &mut Frame, p: &Palette) {
    let theme = app.theme;
    let body = layout::chrome(frame.area()).body;
    let width = body.width.saturating_sub(4).min(90);
    let rows = p
        .shown
        .len()
        .min(usize::from(body.height.saturating_sub(4)));
    let height = u16::try_from(rows.max(1) + 3).unwrap_or(u16::MAX);
    let popup = Rect {
        y: body.y + 1.min(body.height),
        ..layout::popup(body, width, height)
    };
    let popup = popup.intersection(body);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(" Commands ", theme.title()));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    if inner.height == 0 {
        return;
    }
    let (line, col) = p.query.line(usize::from(inner.width).saturating_sub(3));
    frame.render_widget(
        Line::from(vec![Span::styled(": ", theme.key()), Span::raw(line)]),
        Rect { height: 1, ..inner },
    );
    let cursor = Position::new(
        inner.x + 2 + u16::try_from(col).unwrap_or(u16::MAX),
        inner.y,
    );
    let list_rows = usize::from(inner.height.saturating_sub(1));
    let start = p.selected.saturating_sub(list_rows.saturating_sub(1));
    let key_width = 8;
    let name_width = 20.min(usize::from(inner.width) / 3);
    let desc_width = usize::from(inner.width).saturating_sub(key_width + name_width + 4);
    let buf = frame.buffer_mut();
    if p.shown.is_empty() && inner.height > 1 {
        draw_row(
            buf,
            Rect::new(inner.x, inner.y + 1, inner.width, 1),
            &[Cell::new(
                "  no action matches",
                usize::from(inner.width),
                theme.dim(),
            )],
            Default::default(),
        );
    }
    for (n, (row, &i)) in p
        .shown
        .iter()
        .enumerate()
        .skip(start)
        .take(list_rows)
        .enumerate()
    {
        let Some(e) = p.entries.get(i) else {
            continue;
        };
        let selected = row == p.selected;
        let style = if selected {
            theme.selected()
        } else {
            Default::default()
        };
        let y = inner.y + 1 + u16::try_from(n).unwrap_or(u16::MAX);
        draw_row(
            buf,
            Rect::new(inner.x, y, inner.width, 1),
            &[
                Cell::new(if selected { "›" } else { " " }, 1, style),
                Cell::new(&e.key, key_width, theme.key()),
                Cell::new(&e.name, name_width, style),
                Cell::new(&text::sanitize(&e.desc), desc_width, theme.dim()),
            ],
            style,
        );
    }
    if inner.contains(cursor) {
        frame.set_cursor_position(cursor);
    }
}
