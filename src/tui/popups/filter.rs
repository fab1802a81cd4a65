//! The filters of the device list: one line per filter (location, manufacturer, category,
//! criticality, progress, response, risk level); left and right step through the values the
//! devices have, with how many devices have each. The list narrows at once; the filters stay
//! when the popup closes and are kept in the workbook.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Clear};

use crate::tui::action::Action;
use crate::tui::app::{App, Overlay};
use crate::tui::layout;
use crate::tui::screens::device_list::{self, DeviceList, FilterDim};
use crate::tui::widgets::columns::{Cell, draw_row};

/// The open popup: the values each filter can take (computed when it opened) and the
/// selected filter.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPopup {
    /// For each filter of [`FilterDim::ALL`], its values with device counts.
    pub choices: Vec<(FilterDim, Vec<(String, usize)>)>,
    /// The selected filter line.
    pub selected: usize,
}

impl FilterPopup {
    /// The popup for the app's devices.
    pub fn new(app: &App) -> FilterPopup {
        FilterPopup {
            choices: FilterDim::ALL
                .into_iter()
                .map(|d| (d, DeviceList::choices(d, &app.devices, &app.progress)))
                .collect(),
            selected: 0,
        }
    }
}

/// Acts on the popup.
pub fn update(app: &mut App, action: Action) {
    let Some(Overlay::Filter(p)) = &mut app.overlay else {
        return;
    };
    match action {
        Action::MoveDown => p.selected = (p.selected + 1).min(p.choices.len().saturating_sub(1)),
        Action::MoveUp => p.selected = p.selected.saturating_sub(1),
        Action::Back => {
            app.overlay = None;
            app.list.save(&app.workbook);
            let n = app.list.view.len();
            app.info(format!("{n} device{} shown", if n == 1 { "" } else { "s" }));
        }
        Action::Quit => {
            app.overlay = None;
            app.quit = true;
        }
        Action::ClearFilters => {
            app.list.filters.clear();
            device_list::refresh(app);
        }
        Action::NextValue | Action::PreviousValue => {
            let Some((dim, values)) = p.choices.get(p.selected) else {
                return;
            };
            let dim = *dim;
            let current = app.list.filters.get(&dim);
            // Position 0 is "any".
            let pos = current
                .and_then(|c| values.iter().position(|(v, _)| v.eq_ignore_ascii_case(c)))
                .map(|p| p + 1)
                .unwrap_or(0);
            let n = values.len() + 1;
            let next = if action == Action::NextValue {
                (pos + 1) % n
            } else {
                (pos + n - 1) % n
            };
            match values.get(next.wrapping_sub(1)) {
                Some((v, _)) if next > 0 => {
                    app.list.filters.insert(dim, v.clone());
                }
                _ => {
                    app.list.filters.remove(&dim);
                }
            }
            device_list::refresh(app);
        }
        _ => {}
    }
}

/// Draws the popup.
pub fn render(app: &App, frame: &mut Frame, p: &FilterPopup) {
    let theme = app.theme;
    let body = layout::chrome(frame.area()).body;
    let width = body.width.saturating_sub(4).min(70);
    let height = u16::try_from(p.choices.len() + 3).unwrap_or(u16::MAX);
    let popup = layout::popup(body, width, height);
    let shown = app.list.view.len();
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(
            format!(" Filters · {shown} of {} devices ", app.devices.len()),
            theme.title(),
        ));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let label_width = 13;
    let count_width = 11;
    let value_width = usize::from(inner.width).saturating_sub(label_width + count_width + 4);
    let buf = frame.buffer_mut();
    for (n, (dim, values)) in p.choices.iter().enumerate().take(usize::from(inner.height)) {
        let selected = n == p.selected;
        let style = if selected {
            theme.selected()
        } else {
            Default::default()
        };
        let (value, count) = match app.list.filters.get(dim) {
            Some(v) => {
                let count = values
                    .iter()
                    .find(|(x, _)| x.eq_ignore_ascii_case(v))
                    .map(|(_, c)| *c)
                    .unwrap_or(0);
                (
                    format!("‹ {v} ›"),
                    if count == 1 {
                        "1 device".to_string()
                    } else {
                        format!("{count} devices")
                    },
                )
            }
            None => (
                "‹ any ›".to_string(),
                match values.len() {
                    1 => "1 value".to_string(),
                    n => format!("{n} values"),
                },
            ),
        };
        let y = inner.y + u16::try_from(n).unwrap_or(u16::MAX);
        draw_row(
            buf,
            Rect::new(inner.x, y, inner.width, 1),
            &[
                Cell::new(if selected { "›" } else { " " }, 1, style),
                Cell::new(dim.label(), label_width, style),
                Cell::new(&value, value_width, style),
                Cell::right(&count, count_width, theme.dim()),
            ],
            style,
        );
    }
}
